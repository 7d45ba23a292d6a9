# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note: this module_utils file is private to the ozonetel.cloudagent collection. It is not
# part of the public interface and may change or disappear in any release without notice.

"""One way from options to a client, for modules (``module.params.get``) and plugins (``get_option``)."""

from __future__ import annotations

from typing import Callable, Optional
from ansible.module_utils.basic import env_fallback

from ansible_collections.ozonetel.cloudagent.plugins.module_utils._client import CloudAgentClient, ConnectionSettings
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._errors import ConfigurationError
from ansible_collections.ozonetel.cloudagent.plugins.module_utils._token_redis import is_redis_url, password_forms

DEFAULT_BASE_URL = "https://in1-ccaas-api.ozonetel.com"

# Matches the doc fragment ozonetel.cloudagent.connection (DOCUMENTATION + MODULE sections).
CONNECTION_ARGUMENT_SPEC = dict(
    base_url=dict(type="str", default=DEFAULT_BASE_URL, fallback=(env_fallback, ["OZONETEL_BASE_URL"])),
    user_name=dict(type="str", required=True, aliases=["username"], fallback=(env_fallback, ["OZONETEL_USERNAME"])),
    api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["OZONETEL_API_KEY"])),
    token=dict(type="str", no_log=True, fallback=(env_fallback, ["OZONETEL_TOKEN"])),
    auth_mode=dict(
        type="str", default="token", choices=["token", "basic"], fallback=(env_fallback, ["OZONETEL_AUTH_MODE"])
    ),
    validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["OZONETEL_VALIDATE_CERTS"])),
    ca_path=dict(type="path", fallback=(env_fallback, ["OZONETEL_CA_PATH"])),
    timeout=dict(type="float", default=30.0),
    retries=dict(type="int", default=3),
    # A Redis URL may carry a password; see token_cache_secrets() for what stays masked.
    token_cache=dict(type="str", no_log=True, fallback=(env_fallback, ["OZONETEL_TOKEN_CACHE"])),
)


def client_from_options(
    get_option: Callable[[str], object], warn: Optional[Callable[[str], None]] = None
) -> CloudAgentClient:
    """Validate connection options and build the client; raises ConfigurationError before any HTTP."""
    settings = settings_from_options(get_option)
    client = CloudAgentClient(settings, warn=warn)
    if settings.auth_mode == "token":
        client.token_store()  # a bad token_cache or a missing redis library fails before any HTTP
    return client


def token_cache_secrets(location) -> list:
    """The forms of a Redis URL's password to mask in every output (as written and URL-decoded)."""
    return password_forms(location) if isinstance(location, str) and is_redis_url(location) else []


def unmask_plain_token_cache(no_log_values: set, location) -> None:
    """Keep only the secret parts of ``token_cache`` masked, not the whole value.

    The option is no_log so that the module never logs a Redis URL before its password is known; but
    a file path, or a Redis URL without a password, is no secret, and masking it would blank out
    every message that names the store.
    """
    if isinstance(location, str) and not token_cache_secrets(location):
        no_log_values.discard(location)
    no_log_values.update(token_cache_secrets(location))


def settings_from_options(get_option: Callable[[str], object]) -> ConnectionSettings:
    settings = ConnectionSettings(
        base_url=_required_text(get_option, "base_url", "OZONETEL_BASE_URL").rstrip("/"),
        user_name=_required_text(get_option, "user_name", "OZONETEL_USERNAME"),
        api_key=get_option("api_key") or None,
        token=get_option("token") or None,
        auth_mode=get_option("auth_mode") or "token",
        validate_certs=bool(get_option("validate_certs")),
        ca_path=get_option("ca_path") or None,
        timeout=float(get_option("timeout")),
        retries=int(get_option("retries")),
        token_cache=(get_option("token_cache") or "").strip() or None,
    )
    _check(settings)
    return settings


def _required_text(get_option, name: str, env_name: str) -> str:
    value = get_option(name)
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(
            "%s is required: set the option %s or the environment variable %s." % (name, name, env_name)
        )
    return value.strip()


def _check(settings: ConnectionSettings) -> None:
    if not settings.base_url.lower().startswith(("https://", "http://")):
        raise ConfigurationError(
            "base_url '%s' is not an http(s) URL, e.g. %s." % (settings.base_url, DEFAULT_BASE_URL)
        )
    if settings.timeout <= 0:
        raise ConfigurationError("timeout must be a positive number of seconds, got %s." % settings.timeout)
    if settings.retries < 0:
        raise ConfigurationError("retries must be 0 or more, got %s." % settings.retries)
    if settings.auth_mode not in ("token", "basic"):
        raise ConfigurationError("auth_mode must be 'token' or 'basic', got '%s'." % settings.auth_mode)
    if settings.auth_mode == "basic" and not settings.api_key:
        raise ConfigurationError(
            "auth_mode=basic needs api_key (option api_key or environment variable OZONETEL_API_KEY)."
        )
    if settings.auth_mode == "token" and not (settings.api_key or settings.token):
        raise ConfigurationError(
            "auth_mode=token needs api_key or token (options api_key/token, or the environment "
            "variables OZONETEL_API_KEY/OZONETEL_TOKEN)."
        )
