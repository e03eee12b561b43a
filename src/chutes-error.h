/* chutes-error.h: the application's error domain and HTTP error mapping
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CHUTES_ERROR (chutes_error_quark ())

/**
 * ChutesError:
 *
 * Every error the application reports carries this domain, so the UI can tell
 * a person what happened in words they understand. The GError message is
 * already such a sentence (translated); the code lets callers react (for
 * example refresh once on %CHUTES_ERROR_UNAUTHORIZED).
 */
typedef enum
{
  CHUTES_ERROR_FAILED,              /* anything not listed below */
  CHUTES_ERROR_CONFIG,              /* bad base URL, missing client ID, ... */
  CHUTES_ERROR_PORT_BUSY,           /* none of the redirect ports could be bound */
  CHUTES_ERROR_TIMED_OUT,           /* the browser never came back */
  CHUTES_ERROR_ACCESS_DENIED,       /* the person refused consent */
  CHUTES_ERROR_INVALID_SCOPE,       /* the IDP refused the requested scopes */
  CHUTES_ERROR_OAUTH,               /* another OAuth error at the redirect */
  CHUTES_ERROR_INVALID_GRANT,       /* code or refresh token refused */
  CHUTES_ERROR_INVALID_CLIENT,      /* client ID or secret refused */
  CHUTES_ERROR_UNAUTHORIZED,        /* HTTP 401 */
  CHUTES_ERROR_PAYMENT_REQUIRED,    /* HTTP 402: quota exhausted */
  CHUTES_ERROR_FORBIDDEN,           /* HTTP 403: missing scope, privileged scope */
  CHUTES_ERROR_NOT_FOUND,           /* HTTP 404: model not found */
  CHUTES_ERROR_CONFLICT,            /* HTTP 409: app name taken */
  CHUTES_ERROR_TEE_REQUIRED,        /* HTTP 426: confidential-compute mismatch */
  CHUTES_ERROR_RATE_LIMITED,        /* HTTP 429 */
  CHUTES_ERROR_UNAVAILABLE,         /* HTTP 503: no instances yet */
  CHUTES_ERROR_SERVER,              /* other HTTP errors, HTML error pages */
  CHUTES_ERROR_PROTOCOL,            /* a reply we cannot make sense of */
  CHUTES_ERROR_STREAM,              /* an error reported after streaming began */
  CHUTES_ERROR_NETWORK,             /* could not reach the host at all */
  CHUTES_ERROR_KEYRING_UNAVAILABLE, /* no Secret Service / portal */
  CHUTES_ERROR_KEYRING_LOCKED,      /* keyring locked and not unlocked */
  CHUTES_ERROR_ATTACHMENT,          /* a file that cannot be attached or sent */
} ChutesError;

GQuark  chutes_error_quark          (void);

/* Builds the error for a non-2xx HTTP reply. @body may be NULL.
 *
 * Understands FastAPI's {"detail": "..."} and {"detail": {"message": ...}}
 * (402 quota replies carry detail.message and detail.quota_reset_timestamp),
 * OAuth's {"error": "...", "error_description": "..."}, and HTML or other
 * non-JSON bodies (never shown raw: the message names the HTTP status
 * instead). Text taken from the body is kept literal and bounded in length.
 * @host names the server for messages such as "llm.chutes.ai is busy". */
GError *chutes_error_new_from_http  (guint        status,
                                     const char  *content_type,
                                     GBytes      *body,
                                     const char  *host);

/* Wraps a transport error (GIO/GResolver/GTls/SoupSession) into a
 * CHUTES_ERROR_NETWORK error naming @host. G_IO_ERROR_CANCELLED is returned
 * unchanged (a cancel is not an error to show). Takes ownership of @error. */
GError *chutes_error_new_from_network (GError     *error,
                                       const char *host);

G_END_DECLS
