"""Chinese-first locale (R-9.3): the UI is Chinese unless the person chose another language
with the switch (cookie). The browser's Accept-Language is not consulted, so a service-hall
PC with an English browser still shows the Chinese the agencies wrote and reviewed."""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _ in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
