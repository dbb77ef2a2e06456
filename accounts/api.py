from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Organisation


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["short_code", "name", "kind", "market_role"]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.CharField()
    organisation = OrganisationSerializer(allow_null=True)


@extend_schema(tags=["Accounts"], responses=MeSerializer)
class MeView(APIView):
    """Return who the caller is: the user (or token's system account) and its organisation."""

    def get(self, request):
        user = request.user
        return Response(MeSerializer({"username": user.username, "role": user.role,
                                      "organisation": user.organisation}).data)
