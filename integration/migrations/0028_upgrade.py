"""Empty: reserved while several changes were made at once, and not needed in the end
(the upgrade fixes went into 0011 itself; fenced calls need no schema). Kept so that
the migrations after it keep their dependency and installed databases their history."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("integration", "0027_esignet_answer"),
    ]

    operations = []
