"""The platform without the verification app (nor supervision and oversight, which build on it,
nor the demo, which loads verification data):
cases' own tests run against it (`make test`), which shows that cases neither import
verification nor need it — verification only reacts to cases' events (ADR 0009)."""

from chengnuo.config.settings import *  # noqa: F403
from chengnuo.config.settings import INSTALLED_APPS

INSTALLED_APPS = [
    a
    for a in INSTALLED_APPS
    if a
    not in ("chengnuo.verification", "chengnuo.supervision", "chengnuo.oversight", "chengnuo.demo")
]
