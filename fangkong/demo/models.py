from django.db import models


class DemoBuild(models.Model):
    """One `fangkong demo` run: what it was asked for, so that a re-run resumes it or refuses."""

    city = models.OneToOneField("territory.Unit", null=True, on_delete=models.SET_NULL, related_name="+")
    size = models.CharField(max_length=10)
    persons_target = models.PositiveIntegerField()
    seed = models.IntegerField()
    # Units get their ids before they are written; a resumed run must hand out the same ones.
    first_unit_id = models.BigIntegerField()
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"demo {self.size} ({self.persons_target} residents, seed {self.seed})"
