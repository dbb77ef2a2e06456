"""Assignment legs become provider tasks (every row kept), master incidents, affected
organisations, communications (major incident updates kept as communications), plans."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import kernel.acting
import kernel.transitions
from django.conf import settings
from django.db import migrations, models


# Task status of the rows that were assignment legs: a running leg is an open task; one
# ended by a hand-off was handed over; one ended by the incident's resolution,
# cancellation or closure was stopped with it.
LEG_STATUS = {"": "open", "reassigned": "handed_over", "resolved": "stopped",
              "cancelled": "stopped", "closed": "stopped"}


def legs_become_tasks(apps, schema_editor):
    ProviderTask = apps.get_model("incidents", "ProviderTask")
    ProviderTask.objects.filter(ended_at__isnull=True).update(status="open")
    for because, status in LEG_STATUS.items():
        if because:
            ProviderTask.objects.filter(ended_at__isnull=False, ended_because=because).update(
                status=status)
    # ended before end reasons were kept (0006 named those reassignments)
    ProviderTask.objects.filter(ended_at__isnull=False, ended_because="").update(
        status="handed_over")


def major_updates_become_communications(apps, schema_editor):
    """Every major incident update was sent to the whole market: keep each as a market-wide
    communication (the first of each major incident, its declaration, as the raise)."""
    Update = apps.get_model("incidents", "MajorIncidentUpdate")
    Communication = apps.get_model("incidents", "Communication")
    first = set()
    rows = []
    for update in Update.objects.select_related("major_incident").order_by("at", "pk"):
        incident_id = update.major_incident.incident_id
        kind = "update" if incident_id in first else "raise"
        first.add(incident_id)
        rows.append(Communication(incident_id=incident_id, kind=kind, body=update.body,
                                  by_id=update.by_id, at=update.at, market_wide=True,
                                  organisations_told=update.recipients,
                                  fanned_out_at=update.at))
    Communication.objects.bulk_create(rows, batch_size=500)


# How often a major incident's communications are due, by severity (Switching Operations
# edit these in the console).
CADENCE_MINUTES = {1: 30, 2: 60, 3: 240, 4: 1440}


def seed_cadences(apps, schema_editor):
    Cadence = apps.get_model("incidents", "CommunicationCadence")
    for severity, minutes in CADENCE_MINUTES.items():
        Cadence.objects.get_or_create(severity=severity, defaults={"minutes": minutes})


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_accessreview_loginattempt_totpdevice'),
        ('incidents', '0009_post_incident_reconciliation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CommunicationCadence',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('severity', models.PositiveSmallIntegerField(unique=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(4)])),
                ('minutes', models.PositiveIntegerField(validators=[django.core.validators.MinValueValidator(5)])),
            ],
            options={
                'ordering': ['severity'],
            },
        ),
        migrations.AddField(
            model_name='incident',
            name='master',
            field=models.ForeignKey(blank=True, help_text="The master incident this one is gathered under (incidents.masters): it shows the master's status and updates and is resolved with it.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='children', to='incidents.incident'),
        ),
        migrations.AlterField(
            model_name='incident',
            name='assigned_group',
            field=models.ForeignKey(blank=True, help_text='Resolver group holding the lead provider task (the last one assigned).', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation'),
        ),
        migrations.CreateModel(
            name='AffectedOrganisation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('how', models.CharField(choices=[('joined', 'Joined from the portal'), ('added', 'Added by the desk')], default='joined', max_length=8)),
                ('impact', models.TextField(help_text='How the organisation is affected, in its own words.')),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='affected_organisations', to='incidents.incident')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='incidents_affecting', to='accounts.organisation')),
                ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['recorded_at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='Communication',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('raise', 'Incident raised'), ('update', 'Update'), ('workaround', 'Workaround'), ('restore', 'Service restored')], max_length=10)),
                ('body', models.TextField()),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('market_wide', models.BooleanField(default=False, help_text='Sent to every party using the affected services (a service-affecting incident), not only to those who raised it.')),
                ('organisations_told', models.PositiveIntegerField(default=0)),
                ('fanned_out_at', models.DateTimeField(blank=True, help_text='When every message had been queued.', null=True)),
                ('by', models.ForeignKey(blank=True, help_text='Empty when the system sent it.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='communications', to='incidents.incident')),
            ],
            options={
                'ordering': ['at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='CascadedUpdate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('child', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='cascaded_updates', to='incidents.incident')),
                ('comment', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='cascaded_from', to='incidents.incidentcomment')),
                ('communication', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='cascades', to='incidents.communication')),
            ],
        ),
        migrations.CreateModel(
            name='CommunicationPlan',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('cadence_minutes', models.PositiveIntegerField()),
                ('next_update_due_at', models.DateTimeField(blank=True, null=True)),
                ('reminded_for', models.DateTimeField(blank=True, help_text='The due time the manager was last reminded of.', null=True)),
                ('started_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('ended_at', models.DateTimeField(blank=True, null=True)),
                ('incident', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='communication_plan', to='incidents.incident')),
                ('manager', models.ForeignKey(help_text='The major incident manager.', on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.CreateModel(
            name='MasterLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('action', models.CharField(choices=[('linked', 'Linked'), ('unlinked', 'Unlinked')], max_length=8)),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('reason', models.TextField(blank=True)),
                ('by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('child', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='child_links', to='incidents.incident')),
                ('master', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='master_links', to='incidents.incident')),
            ],
            options={
                'ordering': ['at', 'pk'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='assignmentleg',
            name='one_open_leg_per_incident',
        ),
        migrations.RenameModel(old_name='AssignmentLeg', new_name='ProviderTask'),
        migrations.AlterField(
            model_name='providertask',
            name='incident',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tasks', to='incidents.incident'),
        ),
        migrations.AlterField(
            model_name='providertask',
            name='resolver_group',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='incident_tasks', to='accounts.organisation'),
        ),
        migrations.AlterField(
            model_name='providertask',
            name='ended_because',
            field=models.CharField(blank=True, choices=[('reassigned', 'Handed to another group'), ('completed', 'Completed by the group'), ('rejected', 'Rejected back to the desk'), ('resolved', 'Incident resolved'), ('cancelled', 'Incident cancelled'), ('closed', 'Incident closed')], max_length=12),
        ),
        migrations.AlterField(
            model_name='providertask',
            name='reason',
            field=models.TextField(blank=True, help_text='What the desk asks the group to do.'),
        ),
        migrations.AddField(
            model_name='providertask',
            name='status',
            field=models.CharField(choices=[('open', 'Open'), ('in_progress', 'In progress'), ('completed', 'Completed'), ('rejected', 'Rejected'), ('handed_over', 'Handed over'), ('stopped', 'Stopped')], default='open', max_length=12),
        ),
        migrations.AddField(
            model_name='providertask',
            name='due_at',
            field=models.DateTimeField(blank=True, help_text="A due time the desk asked for; empty: the OLA's.", null=True),
        ),
        migrations.AddField(
            model_name='providertask',
            name='outcome',
            field=models.TextField(blank=True, help_text='What the group did, or why it rejected or handed the task on.'),
        ),
        migrations.AddField(
            model_name='providertask',
            name='ended_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='providertask',
            name='handed_to',
            field=models.ForeignKey(blank=True, help_text='The task this one was handed to.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='incidents.providertask'),
        ),
        migrations.CreateModel(
            name='ProviderTaskNote',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('body', models.TextField()),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('author', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('task', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notes', to='incidents.providertask')),
            ],
            options={
                'ordering': ['created_at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='ProviderTaskTransition',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('from_status', models.CharField(blank=True, help_text='Empty on creation.', max_length=20)),
                ('to_status', models.CharField(max_length=20)),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('reason', models.TextField(blank=True)),
                ('channel', models.CharField(blank=True, choices=[('portal', 'Portal'), ('admin', 'Admin console'), ('api', 'API'), ('system', 'System'), ('email', 'Email')], default=kernel.acting.current_channel, help_text='Where the change came from; empty on rows recorded before channels were kept.', max_length=8)),
                ('by', models.ForeignKey(blank=True, help_text='Empty when the system acted.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('task', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='transitions', to='incidents.providertask')),
            ],
            options={
                'ordering': ['at', 'pk'],
                'abstract': False,
            },
        ),
        migrations.AddConstraint(
            model_name='affectedorganisation',
            constraint=models.UniqueConstraint(fields=('incident', 'organisation'), name='uniq_affected_organisation'),
        ),
        migrations.AddConstraint(
            model_name='affectedorganisation',
            constraint=models.CheckConstraint(condition=models.Q(('impact', ''), _negated=True), name='affected_organisation_needs_impact'),
        ),
        migrations.AddIndex(
            model_name='communication',
            index=models.Index(fields=['incident', 'at'], name='inc_comm_incident_idx'),
        ),
        migrations.AddIndex(
            model_name='communication',
            index=models.Index(condition=models.Q(('fanned_out_at__isnull', True)), fields=['at'], name='inc_comm_unfinished_idx'),
        ),
        migrations.AddConstraint(
            model_name='cascadedupdate',
            constraint=models.UniqueConstraint(fields=('child', 'communication'), name='uniq_cascade_per_child'),
        ),
        migrations.AddIndex(
            model_name='communicationplan',
            index=models.Index(condition=models.Q(('ended_at__isnull', True)), fields=['next_update_due_at'], name='inc_comm_plan_due_idx'),
        ),
        migrations.AddIndex(
            model_name='masterlink',
            index=models.Index(fields=['child', 'at'], name='inc_master_link_child_idx'),
        ),
        migrations.AddIndex(
            model_name='providertask',
            index=models.Index(condition=models.Q(('ended_at__isnull', True)), fields=['resolver_group', 'ola_due_at'], name='inc_task_open_due_idx'),
        ),
        migrations.AddConstraint(
            model_name='providertask',
            constraint=models.UniqueConstraint(condition=models.Q(('ended_at__isnull', True)), fields=('incident', 'resolver_group'), name='one_open_task_per_group'),
        ),
        migrations.AddIndex(
            model_name='providertasktransition',
            index=models.Index(fields=['task', 'at'], name='inc_task_transition_idx'),
        ),
        migrations.RunPython(legs_become_tasks, migrations.RunPython.noop),
        migrations.RunPython(major_updates_become_communications, migrations.RunPython.noop),
        migrations.RunPython(seed_cadences, migrations.RunPython.noop),
        migrations.DeleteModel(name='MajorIncidentUpdate'),
    ]
