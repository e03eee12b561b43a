/* chutes-loopback-reply.h: the loopback server's replies and callback checks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* A reply to answer the browser with: a small HTML page. */
typedef struct
{
  guint  status;    /* HTTP status */
  char  *heading;   /* plain text */
  char  *text;      /* plain text */
} ChutesLoopbackReply;

void     chutes_loopback_reply_clear          (ChutesLoopbackReply  *reply);

/* The whole HTML document: @heading and @text escaped, no script, no
 * external resource. */
char    *chutes_loopback_reply_build          (const char           *heading,
                                               const char           *text);

/* Answers @msg with @status and the page built from @heading and @text,
 * with headers that forbid caching, sniffing, framing and referrers. */
void     chutes_loopback_reply_respond        (SoupServerMessage    *msg,
                                               guint                 status,
                                               const char           *heading,
                                               const char           *text);

/* What a request to the redirect path amounts to. */
typedef enum
{
  /* A query that does not decode, or a wrong or missing state: the sign-in
   * goes on. */
  CHUTES_LOOPBACK_CALLBACK_STRAY,
  /* The right state and a code. */
  CHUTES_LOOPBACK_CALLBACK_CODE,
  /* The right state, but an OAuth error= or no code. */
  CHUTES_LOOPBACK_CALLBACK_FAILED,
} ChutesLoopbackCallback;

/* Checks the callback's www-form @query (NULL when there is none) against
 * @expected_state, in constant time. A query is refused when code, state,
 * error or error_description is repeated (RFC 6749 section 3.1) or does not
 * decode to UTF-8. Always fills @reply; on CODE sets *@code (a secret, free
 * it with chutes_secret_free()); on FAILED sets @error (CHUTES_ERROR_ACCESS_DENIED,
 * CHUTES_ERROR_INVALID_SCOPE, CHUTES_ERROR_OAUTH or CHUTES_ERROR_PROTOCOL),
 * with text from the IDP made valid UTF-8, stripped of control characters
 * (C0, C1) and of format characters (bidi overrides, isolates, marks) and
 * cut between characters to a bounded length. */
ChutesLoopbackCallback
         chutes_loopback_reply_check_callback (const char           *query,
                                               const char           *expected_state,
                                               ChutesLoopbackReply  *reply,
                                               char                **code,
                                               GError              **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ChutesLoopbackReply, chutes_loopback_reply_clear)

G_END_DECLS
