from django.core.management.base import BaseCommand
from django.db import transaction

from chengnuo.core import crypto
from chengnuo.credit.models import Subject


class Command(BaseCommand):
    help = (
        "Re-encrypt identifiers and phone numbers with the current (first) field key; with "
        "--relookup also recompute the HMAC lookup columns after CHENGNUO_LOOKUP_KEY changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--relookup", action="store_true")

    def handle(self, *args, relookup=False, **options):
        current = crypto.current_key_id()
        changed = 0
        for pk in Subject.objects.values_list("pk", flat=True).iterator():
            with transaction.atomic():
                s = Subject.objects.select_for_update().get(pk=pk)
                if crypto.key_id_of(s.id_cipher) == current and not relookup:
                    continue
                number, phone = s.identifier(), s.phone()
                s.id_cipher = crypto.encrypt(number)
                s.phone_cipher = crypto.encrypt(phone) if phone else ""
                if relookup:
                    s.id_lookup = crypto.lookup_hash(number)
                    s.phone_lookup = crypto.lookup_hash(phone) if phone else ""
                s.save(update_fields=["id_cipher", "phone_cipher", "id_lookup", "phone_lookup"])
                changed += 1
        self.stdout.write(
            self.style.SUCCESS(f"{changed} subject(s) re-encrypted with key {current}")
        )
