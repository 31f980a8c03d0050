"""SM4-GCM field encryption, HMAC-SM3 lookup, masking (R-5.6) and the working-day calendar."""

import datetime as dt

import pytest

from chengnuo.core import crypto
from chengnuo.core.calendar import add_working_days, is_working_day, working_days_between
from chengnuo.core.masking import mask_identifier, mask_person_name, mask_phone


def test_encryption_round_trips_and_never_stores_the_plaintext():
    token = crypto.encrypt("341202199001011234")
    assert "341202199001011234" not in token and token.startswith("sm4gcm:")
    assert crypto.decrypt(token) == "341202199001011234"
    assert crypto.encrypt("341202199001011234") != token  # fresh nonce each time


def test_a_tampered_ciphertext_is_refused():
    token = crypto.encrypt("13800138000")
    prefix, kid, blob = token.split(":")
    flipped = blob[:-4] + ("AAAA" if blob[-4:] != "AAAA" else "BBBB")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(f"{prefix}:{kid}:{flipped}")


def test_keys_rotate_old_ciphertexts_still_decrypt(settings):
    old = crypto.encrypt("AB1234567")
    settings.FIELD_ENCRYPTION_KEYS = [("k2", "22" * 16), *settings.FIELD_ENCRYPTION_KEYS]
    new = crypto.encrypt("AB1234567")
    assert crypto.key_id_of(new) == "k2"
    assert crypto.decrypt(old) == crypto.decrypt(new) == "AB1234567"


def test_lookup_hash_is_keyed_and_normalises_the_input(settings):
    a = crypto.lookup_hash("34120219900101123x")
    assert a == crypto.lookup_hash(" 34120219900101123X ")
    assert a == crypto.lookup_hash("３４１２０２１９９００１０１１２３Ｘ")  # full-width digits
    settings.FIELD_LOOKUP_KEY = "33" * 16
    assert crypto.lookup_hash("34120219900101123X") != a


def test_masks_keep_only_what_identifies_nothing():
    assert mask_identifier("341202199001011234") == "3412**********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_person_name("欧阳娜娜") == "欧***"


def test_weekends_and_holidays_are_not_working_days(settings):
    settings.WORKDAY_HOLIDAYS = ["2026-10-01", "2026-10-02"]
    settings.WORKDAY_EXTRA = ["2026-10-10"]
    assert not is_working_day(dt.date(2026, 10, 1))  # holiday (Thursday)
    assert not is_working_day(dt.date(2026, 10, 3))  # Saturday
    assert is_working_day(dt.date(2026, 10, 10))  # make-up Saturday
    # from Wed 30 Sep: Oct 1-2 holidays, 3-4 weekend, then 5, 6, 7
    assert add_working_days(dt.date(2026, 9, 30), 3) == dt.date(2026, 10, 7)
    assert working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 7)) == 3


def test_ten_working_days_span_two_weeks_without_holidays(settings):
    settings.WORKDAY_HOLIDAYS = []
    settings.WORKDAY_EXTRA = []
    assert add_working_days(dt.date(2026, 11, 27), 10) == dt.date(2026, 12, 11)
