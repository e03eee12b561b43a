#!/usr/bin/python3
# authlib-server.py: an independent OAuth 2.0 server at Chutes' paths, for tests
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Authlib (Debian 12's python3-authlib, with python3-flask) does the OAuth:
# RFC 6749 grants and client authentication, RFC 7636 (PKCE), RFC 7009
# (revocation), RFC 7662 (introspection), RFC 6750 (bearer). This file only
# stores things in memory and configures it the way Chutes' identity
# provider behaves, so that tests/test-oauth-server.c checks the app against
# code we did not write:
#
#   /idp/authorize, /idp/token, /idp/token/revoke, /idp/token/introspect,
#   /idp/userinfo; PKCE S256 required; refresh tokens rotated on every use
#   (the old one revoked); opaque random tokens; client authentication at
#   the token, revocation and introspection endpoints alike.
#
# Two confidential clients share one secret with odd characters: one
# authenticates with client_secret_post only, the other with
# client_secret_basic only (each client has one token_endpoint_auth_method,
# RFC 7591). The person is signed in and consents at once: /idp/authorize
# redirects straight to the redirect URI with the code and state.
#
# Usage: authlib-server.py --redirect-uri URI [--user NAME] [--access-ttl S]
# Prints one JSON line on stdout once listening on 127.0.0.1:
#   {"issuer": ..., "client_id": ..., "basic_client_id": ..., "client_secret": ...}
# and runs until stdin closes or SIGTERM.

import argparse
import hmac
import json
import logging
import os
import signal
import sys
import threading
import time
from urllib.parse import unquote_plus

# Plain http on 127.0.0.1: Authlib otherwise insists on https.
os.environ['AUTHLIB_INSECURE_TRANSPORT'] = '1'

from authlib.integrations.flask_oauth2 import (
    AuthorizationServer, ResourceProtector, current_token)
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin, ClientMixin, InvalidRequestError, TokenMixin, grants)
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

CLIENT_ID = 'cid_authlib_post_000000000001'
BASIC_CLIENT_ID = 'cid_authlib_basic_00000000001'
CLIENT_SECRET = 'csc_auth+lib/secret=with:odd&characters_0123456789abcdef'
SCOPES = ['openid', 'profile', 'chutes:invoke']
AUTH_METHODS = ['client_secret_basic', 'client_secret_post']

parser = argparse.ArgumentParser()
parser.add_argument('--redirect-uri', required=True)
parser.add_argument('--user', default='alice')
parser.add_argument('--access-ttl', type=int, default=3600)
args = parser.parse_args()


class Client(ClientMixin):
    def __init__(self, client_id, auth_method):
        self.client_id = client_id
        self.auth_method = auth_method

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return args.redirect_uri

    def get_allowed_scope(self, scope):
        return ' '.join(s for s in scope.split() if s in SCOPES) if scope else ''

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri == args.redirect_uri

    def check_client_secret(self, client_secret):
        return hmac.compare_digest(client_secret.encode(), CLIENT_SECRET.encode())

    def check_endpoint_auth_method(self, method, endpoint):
        return method == self.auth_method

    def check_response_type(self, response_type):
        return response_type == 'code'

    def check_grant_type(self, grant_type):
        return grant_type in ('authorization_code', 'refresh_token')


class AuthorizationCode(AuthorizationCodeMixin):
    def __init__(self, code, client, user, req):
        self.code, self.client, self.user = code, client, user
        self.redirect_uri, self.scope = req.redirect_uri, req.scope
        self.code_challenge = req.data.get('code_challenge')
        self.code_challenge_method = req.data.get('code_challenge_method')

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope


class Token(TokenMixin):
    """One access or refresh token; each string has its own state."""

    def __init__(self, kind, value, client, user, scope, ttl, access=None):
        self.kind, self.value, self.client, self.user = kind, value, client, user
        self.scope, self.issued_at, self.ttl = scope, int(time.time()), ttl
        self.access = access  # a refresh token's access token
        self.revoked = False

    def check_client(self, client):
        return client.client_id == self.client.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.ttl

    def is_expired(self):
        return self.ttl is not None and time.time() >= self.issued_at + self.ttl

    def is_revoked(self):
        return self.revoked


clients = {c.client_id: c for c in (Client(CLIENT_ID, 'client_secret_post'),
                                    Client(BASIC_CLIENT_ID, 'client_secret_basic'))}
codes = {}
tokens = {}
lock = threading.Lock()


def save_token(token, req):
    with lock:
        access = Token('access_token', token['access_token'], req.client, req.user,
                       token.get('scope'), token['expires_in'])
        tokens[access.value] = access
        if 'refresh_token' in token:
            tokens[token['refresh_token']] = Token(
                'refresh_token', token['refresh_token'], req.client, req.user,
                token.get('scope'), None, access)


def query_token(value, kind=None):
    # RFC 7009 §2.1, RFC 7662 §2.1: token_type_hint is only a hint.
    with lock:
        token = tokens.get(value)
    return token if token and kind in (None, token.kind) else None


class S256Required(CodeChallenge):
    """Every authorization request carries an S256 challenge."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ['S256']

    def validate_code_challenge(self, grant):
        data = grant.request.data
        if not data.get('code_challenge') or data.get('code_challenge_method') != 'S256':
            raise InvalidRequestError('PKCE with code_challenge_method S256 is required')


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def save_authorization_code(self, code, req):
        with lock:
            codes[code] = AuthorizationCode(code, req.client, req.user, req)

    def query_authorization_code(self, code, client):
        with lock:
            item = codes.get(code)
        return item if item and item.client is client else None

    def delete_authorization_code(self, authorization_code):
        with lock:
            codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code):
        return authorization_code.user


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        token = query_token(refresh_token, 'refresh_token')
        if token and not token.is_revoked():
            return token

    def authenticate_user(self, credential):
        return credential.user

    def revoke_old_credential(self, credential):
        credential.revoked = True


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = AUTH_METHODS

    def query_token(self, token_string, token_type_hint):
        return query_token(token_string)

    def revoke_token(self, token, req):
        # RFC 7009 §2.1: a refresh token takes its access token with it.
        token.revoked = True
        if token.access:
            token.access.revoked = True


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = AUTH_METHODS

    def query_token(self, token_string, token_type_hint):
        return query_token(token_string)

    def check_permission(self, token, client, req):
        return token.check_client(client)

    def introspect_token(self, token):
        payload = {'active': True, 'client_id': token.client.client_id,
                   'token_type': token.kind, 'scope': token.scope,
                   'sub': token.user, 'username': token.user, 'iat': token.issued_at}
        if token.ttl is not None:
            payload['exp'] = token.issued_at + token.ttl
        return payload


def authenticate_client_secret_basic(query_client, req):
    """RFC 6749 §2.3.1: the id and secret are form-urlencoded before they
    go into the Basic credentials. Authlib 1.2.0 takes them as they are,
    so decode them first; the rest is Authlib's."""
    client_id, client_secret = extract_basic_authorization(req.headers)
    if client_id and client_secret:
        client = query_client(unquote_plus(client_id))
        if client and client.check_client_secret(unquote_plus(client_secret)):
            return client


class Validator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        return query_token(token_string, 'access_token')


app = Flask(__name__)
app.config['OAUTH2_REFRESH_TOKEN_GENERATOR'] = True
app.config['OAUTH2_TOKEN_EXPIRES_IN'] = {'authorization_code': args.access_ttl,
                                         'refresh_token': args.access_ttl}
server = AuthorizationServer(app, query_client=clients.get, save_token=save_token)
server.register_client_auth_method('client_secret_basic', authenticate_client_secret_basic)
server.register_grant(AuthorizationCodeGrant, [S256Required(required=True)])
server.register_grant(RefreshTokenGrant)
server.register_endpoint(Revocation)
server.register_endpoint(Introspection)
require_oauth = ResourceProtector()
require_oauth.register_token_validator(Validator())


@app.get('/idp/authorize')
def authorize():
    # Signed in and consenting at once: the test plays the browser.
    return server.create_authorization_response(grant_user=args.user)


@app.post('/idp/token')
def token():
    return server.create_token_response()


@app.post('/idp/token/revoke')
def revoke():
    return server.create_endpoint_response(Revocation.ENDPOINT_NAME)


@app.post('/idp/token/introspect')
def introspect():
    return server.create_endpoint_response(Introspection.ENDPOINT_NAME)


@app.get('/idp/userinfo')
@require_oauth()
def userinfo():
    user = current_token.user
    return jsonify(sub=user, username=user, created_at='2024-01-01T00:00:00Z')


# No request lines on stderr: they would hold the authorization codes.
logging.getLogger('werkzeug').setLevel(logging.ERROR)
httpd = make_server('127.0.0.1', 0, app, threaded=True)
threading.Thread(target=httpd.serve_forever, daemon=True).start()
print(json.dumps({'issuer': f'http://127.0.0.1:{httpd.server_port}',
                  'client_id': CLIENT_ID, 'basic_client_id': BASIC_CLIENT_ID,
                  'client_secret': CLIENT_SECRET}), flush=True)

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
sys.stdin.read()
httpd.shutdown()
