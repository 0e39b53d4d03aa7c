"""Projects belong to teams: every existing owner gets a personal team holding their projects."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def projects_to_personal_teams(apps, schema_editor):
    Project = apps.get_model("songs", "Project")
    Team = apps.get_model("songs", "Team")
    Membership = apps.get_model("songs", "Membership")
    for project in Project.objects.select_related("owner"):
        team = Team.objects.filter(personal_for=project.owner).first()
        if team is None:
            team = Team.objects.create(name=f"{project.owner.username}'s team", personal_for=project.owner)
            Membership.objects.create(team=team, user=project.owner, role="owner")
        project.team = team
        project.created_by = project.owner
        project.save(update_fields=["team", "created_by"])


class Migration(migrations.Migration):
    dependencies = [
        ("songs", "0003_full_length_songs"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Team",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=120)),
                ("daily_credits", models.PositiveIntegerField(
                    default=1000, help_text="Credits the team may spend per day (UTC); set by staff.")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("personal_for", models.OneToOneField(
                    blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                    related_name="personal_team", to=settings.AUTH_USER_MODEL)),
            ],
            options={"ordering": ["name"]},
        ),
        migrations.CreateModel(
            name="Membership",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("role", models.CharField(choices=[("viewer", "Viewer"), ("editor", "Editor"), ("owner", "Owner")],
                                          default="editor", max_length=10)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("team", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="memberships",
                                           to="songs.team")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="memberships",
                                           to=settings.AUTH_USER_MODEL)),
            ],
            options={"constraints": [models.UniqueConstraint(fields=("team", "user"), name="one_membership_per_team")]},
        ),
        migrations.CreateModel(
            name="Invite",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("role", models.CharField(choices=[("viewer", "Viewer"), ("editor", "Editor"), ("owner", "Owner")],
                                          default="editor", max_length=10)),
                ("token", models.CharField(max_length=64, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("expires_at", models.DateTimeField()),
                ("used_at", models.DateTimeField(blank=True, null=True)),
                ("created_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                 related_name="+", to=settings.AUTH_USER_MODEL)),
                ("team", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="invites",
                                           to="songs.team")),
                ("used_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                              related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.AddField(
            model_name="project", name="team",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="projects", to="songs.team"),
        ),
        migrations.AddField(
            model_name="project", name="created_by",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(projects_to_personal_teams, migrations.RunPython.noop),
        migrations.RemoveField(model_name="project", name="owner"),
        migrations.AlterField(
            model_name="project", name="team",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="projects",
                                    to="songs.team"),
        ),
    ]
