import io

from accounts import demo as accounts_demo
from changes import demo
from changes.models import ChangeFreeze, ChangeNotification, ChangeWarning, ParticipantOutage
from services import demo as services_demo


def test_demo_seed_is_idempotent_and_has_a_conflicting_pair(db):
    out = io.StringIO()
    accounts_demo.seed(out)
    services_demo.seed(out)
    demo.seed(out)
    demo.seed(out)
    assert ChangeNotification.objects.count() == 5
    assert ChangeFreeze.objects.count() == 2
    uk_link = ChangeNotification.objects.get(title="UK Link quarterly release")
    css = ChangeNotification.objects.get(title="CSS registration database patching")
    assert uk_link.warnings.filter(kind=ChangeWarning.Kind.DEPENDENCY, other_change=css).exists()
    assert ChangeNotification.objects.scheduled().count() == 3
    assert ParticipantOutage.objects.on_schedule().count() == 1
