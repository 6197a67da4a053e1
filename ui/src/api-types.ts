// Generated from the OpenAPI document (src/http/endpoints/) by `npm run api:types`; do not edit.
// tests/unit/api-types.test.ts fails when this file no longer matches the server.
export interface paths {
    "/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The web UI */
        get: operations["getRoot"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/groups": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The realm's groups (teams), subgroups included, with their key count
         * @description By path; at most 200 (`truncated` says when more exist: narrow them with `search`, matched anywhere in a group's name, case-insensitive). Needs the realm role `byok-admin`.
         */
        get: operations["getAdminGroups"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/groups/{groupId}/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A group's team keys (masked)
         * @description Needs the realm role `byok-admin`. Audited: `keys.read`.
         */
        get: operations["getAdminGroupsGroupIdKeys"];
        put?: never;
        /**
         * Add a key to a group's keys, or with keyId replace the secret of one
         * @description With `keyId`, the secret (and label, base URL, expiry when given) of that key is replaced and its health is reset: 200 instead of 201. Needs the realm role `byok-admin`. Audited: `key.add`.
         */
        post: operations["postAdminGroupsGroupIdKeys"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/groups/{groupId}/keys/{provider}/{keyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Delete one of a group's keys
         * @description Needs the realm role `byok-admin`. Audited: `key.delete`.
         */
        delete: operations["deleteAdminGroupsGroupIdKeysProviderKeyId"];
        options?: never;
        head?: never;
        /**
         * Change one of a group's keys: relabel, enable or disable, set the expiry or replace the secret
         * @description Needs the realm role `byok-admin`. Audited: `key.update`.
         */
        patch: operations["patchAdminGroupsGroupIdKeysProviderKeyId"];
        trace?: never;
    };
    "/api/v1/admin/groups/{groupId}/keys/test/{provider}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Test a group's keys of a provider against the provider (or one, with keyId)
         * @description Each key tested is one request to the provider; key tests have a per-caller limit of their own (RATE_LIMIT_KEY_TESTS_PER_MINUTE), shared by every test endpoint. Needs the realm role `byok-admin`. Audited: `key.test`.
         */
        post: operations["postAdminGroupsGroupIdKeysTestProvider"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Adoption: owners with keys, keys per provider and status, resolves by source
         * @description Needs the realm role `byok-admin`.
         */
        get: operations["getAdminStats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Find users by username, email or name, with their tier and key count
         * @description Keycloak's user search: every word of `search` anywhere in the username, email, first or last name (case-insensitive); a user whose username or email is exactly `search` comes first. At most `max` users (default 20). Tier and key count come from the stored attributes: nothing is decrypted. Needs the realm role `byok-admin`.
         */
        get: operations["getAdminUsers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/users/{userId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One user, with their tier and key count
         * @description Needs the realm role `byok-admin`.
         */
        get: operations["getAdminUsersUserId"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/users/{userId}/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A user's keys (masked, read-only)
         * @description Needs the realm role `byok-admin`. Audited: `keys.read`.
         */
        get: operations["getAdminUsersUserIdKeys"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/users/{userId}/tier": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Set a user's subscription tier
         * @description Needs the realm role `byok-admin`. Audited: `tier.set`.
         */
        put: operations["putAdminUsersUserIdTier"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/byok/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The caller's keys (masked), tier and whether adding is allowed
         * @description Any user token of the realm.
         */
        get: operations["getByokKeys"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/byok/keys/{provider}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Delete all the caller's keys of a provider
         * @description Any user token of the realm. Audited: `provider.delete`.
         */
        delete: operations["deleteByokKeysProvider"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/byok/keys/{provider}/{keyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Delete one of the caller's keys
         * @description Any user token of the realm. Audited: `key.delete`.
         */
        delete: operations["deleteByokKeysProviderKeyId"];
        options?: never;
        head?: never;
        /**
         * Change one of the caller's keys: relabel, enable or disable, set the expiry or replace the secret
         * @description Any user token of the realm. Audited: `key.update`.
         */
        patch: operations["patchByokKeysProviderKeyId"];
        trace?: never;
    };
    "/api/v1/byok/keys/add": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Add a key to the caller's keys, or with keyId replace the secret of one
         * @description With `keyId`, the secret (and label, base URL, expiry when given) of that key is replaced and its health is reset: 200 instead of 201. Any user token of the realm. Audited: `key.add`.
         */
        post: operations["postByokKeysAdd"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/byok/keys/test/{provider}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Test the caller's keys of a provider against the provider (or one, with keyId)
         * @description Each key tested is one request to the provider; key tests have a per-caller limit of their own (RATE_LIMIT_KEY_TESTS_PER_MINUTE), shared by every test endpoint. Any user token of the realm. Audited: `key.test`.
         */
        post: operations["postByokKeysTestProvider"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/byok/preferences": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The caller's resolution preferences
         * @description Any user token of the realm.
         */
        get: operations["getByokPreferences"];
        /**
         * Set strict mode (only own keys, no team or platform fallback)
         * @description Any user token of the realm. Audited: `preferences.update`.
         */
        put: operations["putByokPreferences"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/byok/providers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The providers keys can be stored for
         * @description Any user token of the realm.
         */
        get: operations["getByokProviders"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/byok/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Usage and status counts of the caller's keys
         * @description Any user token of the realm.
         */
        get: operations["getByokStats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/byok/team-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The team keys of the caller's groups (masked, read-only), in the order resolution tries them
         * @description Every group the caller belongs to, with its keys per provider (a group without keys has none). Resolution's team steps serve them when the caller has no usable key of their own for the provider (the default RESOLUTION_CHAIN), never while `strict` is on. Any user token of the realm.
         */
        get: operations["getByokTeamKeys"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/internal/report": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Report how a resolved key fared (cool-down, unauthorized, quota)
         * @description `rate_limited` cools the key down for `retryAfterSeconds` (or the default); `unauthorized` and `quota_exceeded` take it out of rotation until its secret is replaced or a test passes; `ok` and `error` change nothing. Reports that bench a key are audit events (`key.report`). Needs the realm role `byok-internal`.
         */
        post: operations["postInternalReport"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/internal/resolve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * The key to use for a user and a model or provider (round-robin, fallback chain)
         * @description `userId` is the Keycloak user id (the token `sub` of the user, see GET /api/v1/me). The chain: the user's keys, then team keys of their groups (or only `groupId`), then a platform key when `allowSystemFallback` and the user is not strict. The answer is `Cache-Control: no-store`. Needs the realm role `byok-internal`.
         */
        post: operations["postInternalResolve"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Who the token says the caller is
         * @description The UI shows it; clients use it to check a token. `subject` is the user id internal services resolve for. Any user token of the realm.
         */
        get: operations["getMe"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/proxy/{provider}/{path}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Forward a request to the provider, signed with the user's next key (any method; streams; fails over)
         * @description `{path}` is everything after the provider id (several segments), sent to the provider base URL of GET /api/v1/byok/providers with the query string: point an SDK's base URL at `/api/v1/proxy/{provider}`. The credential goes where that provider's SDK puts its key (`Authorization: Bearer`, `x-api-key`, `x-goog-api-key`, `?key=`): the user's own access token, or an internal client's token (realm role `byok-internal`) with `X-Byok-User: <userId>` (and optionally `X-Byok-Group`). The answer is the provider's, passed through (streams as they arrive), with `X-Byok-Source`, `X-Byok-Key-Id` and `X-Byok-Attempts`. 429, 401, 403 and 402 answers, and connections that fail, are retried on the next usable key (PROXY_MAX_ATTEMPTS); when none is left the last answer is passed on. Any user token of the realm.
         */
        post: operations["postProxyProviderPath"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets/{file}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The web UI's built files (hashed names, cached for good) */
        get: operations["getAssetsFile"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document, rendered (Swagger UI); "Authorize" signs in with Keycloak */
        get: operations["getDocs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs/assets/{file}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Swagger UI's files (swagger-ui.css, swagger-ui-bundle.js, oauth2-redirect.js) */
        get: operations["getDocsAssetsFile"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs/init.js": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The /docs page's script */
        get: operations["getDocsInitJs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs/oauth2-redirect.html": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Where Keycloak returns to after "Authorize" (authorization code flow) */
        get: operations["getDocsOauth2RedirectHtml"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/favicon.svg": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The icon */
        get: operations["getFaviconSvg"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: the process answers */
        get: operations["getHealthz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/index.html": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The web UI */
        get: operations["getIndexHtml"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics: on this port only with `Authorization: Bearer <METRICS_TOKEN>` (or on METRICS_PORT instead) */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document */
        get: operations["getOpenapiJson"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: Keycloak, the service account and the realm policy (503 with the reason otherwise) */
        get: operations["getReadyz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ui-config.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** What the browser needs to sign in: Keycloak URL, realm, public client */
        get: operations["getUiConfigJson"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        AdoptionStats: {
            adoption: {
                /**
                 * Format: date-time
                 * @description When the realm was last walked (reused for a minute)
                 */
                computedAt: string;
                keysByProvider: {
                    [key: string]: number;
                };
                tests: {
                    successRate: number | null;
                    tested: number;
                    valid: number;
                };
                users: number;
                usersWithKeys: number;
            };
            /** @description This instance's owner cache */
            cache: {
                hitRatio: number | null;
                hits: number;
                loads: number;
                misses: number;
                size: number;
                staleServed: number;
            };
            /** @description Since this instance started */
            resolvesBySource: {
                group: number;
                system: number;
                user: number;
            };
            /** @description Usage per UTC day and provider over the last USAGE_DAYS_KEPT days, only days with figures */
            usage: {
                /** @description Users' and teams' keys, over the whole realm (taken with the adoption figures), ascending by date then provider */
                days: components["schemas"]["ProviderUsageDay"][];
                /** @description Platform keys: counted in memory by this instance since it started */
                system: components["schemas"]["ProviderUsageDay"][];
            };
        };
        /**
         * @example {
         *       "error": {
         *         "code": "VALIDATION_FAILED",
         *         "message": "The request is not valid.",
         *         "requestId": "8f0d2c1e-5b7a-4c3d-9e6f-1a2b3c4d5e6f",
         *         "details": [
         *           {
         *             "path": "label",
         *             "message": "at most 64 characters"
         *           }
         *         ]
         *       }
         *     }
         */
        Error: {
            error: components["schemas"]["ErrorBody"];
        };
        ErrorBody: {
            /**
             * @description Stable machine-readable code; never changes meaning
             * @enum {string}
             */
            code: "UNAUTHENTICATED" | "FORBIDDEN" | "NOT_FOUND" | "VALIDATION_FAILED" | "MALFORMED_JSON" | "UNSUPPORTED_MEDIA_TYPE" | "PAYLOAD_TOO_LARGE" | "METHOD_NOT_ALLOWED" | "UNKNOWN_PROVIDER" | "INVALID_KEY_FORMAT" | "INVALID_BASE_URL" | "TIER_REQUIRED" | "KEY_LIMIT_REACHED" | "KEY_NOT_FOUND" | "OWNER_NOT_FOUND" | "NO_KEY_AVAILABLE" | "UNKNOWN_MODEL" | "KEYCLOAK_UNAVAILABLE" | "REDIS_UNAVAILABLE" | "OWNER_BUSY" | "RATE_LIMITED" | "UPSTREAM_UNAVAILABLE" | "UPSTREAM_TIMEOUT" | "NOT_READY" | "INTERNAL";
            /** @description VALIDATION_FAILED: one entry per invalid field; NO_KEY_AVAILABLE: why (NoKeyDetails); other codes: an object with more facts */
            details?: components["schemas"]["ErrorDetail"][] | components["schemas"]["NoKeyDetails"] | {
                [key: string]: unknown;
            };
            /** @description For people; may change between versions */
            message: string;
            /** @description The X-Request-Id of this request, to quote when asking for help */
            requestId: string;
        };
        ErrorDetail: {
            /** @description What is wrong with it (never the value) */
            message: string;
            /** @description The field, dotted (`label`, `providers.0.id`); empty for the whole body */
            path: string;
        };
        GroupList: {
            /** @description By path */
            groups: components["schemas"]["GroupSummary"][];
            /** @description More groups match than were listed (narrow them with search) */
            truncated: boolean;
        };
        GroupSummary: {
            /** @description Keycloak group id */
            id: string;
            /** @description Team key records stored on the group, whether or not they decrypt */
            keyCount: number;
            name: string;
            /** @description Full path, e.g. /team-alpha or /org/team */
            path: string;
        };
        KeyList: {
            keys: components["schemas"]["KeyView"][];
            /** @description How many keys per provider the owner may hold: a user's tier limit, a team's the service's default */
            maxKeysPerProvider: number;
        };
        KeyStats: {
            providers: {
                /** @description Keys resolution may hand out */
                active: number;
                enabled: number;
                expired: number;
                keys: number;
                lastTestedAt: string | null;
                lastUsedAt: string | null;
                /**
                 * @description Provider id (see GET /api/v1/byok/providers)
                 * @enum {string}
                 */
                provider: "openai" | "anthropic" | "google" | "groq" | "mistral" | "cohere" | "together" | "perplexity" | "huggingface" | "openrouter" | "deepseek" | "xai" | "meta" | "custom";
                /** @description How many keys got each verdict at their last test */
                testStatus: {
                    [key: string]: number;
                };
                /** @description Stored keys that cannot be decrypted (for example under a retired encryption key) */
                unreadable: number;
                usage: components["schemas"]["ProviderUsage"];
                /** @description Resolves that handed out one of these keys */
                uses: number;
            }[];
            /**
             * @description Subscription tier (user attribute subscription_tier; missing or unknown counts as free)
             * @enum {string}
             */
            tier?: "free" | "trial" | "starter" | "professional" | "enterprise";
        };
        /**
         * @example {
         *       "id": "k_3f9cA7e1b4_d4c0e",
         *       "provider": "openai",
         *       "label": "Personal",
         *       "maskedKey": "sk-p…x9Qz",
         *       "enabled": true,
         *       "status": "active",
         *       "createdAt": "2026-01-15T09:30:00.000Z",
         *       "updatedAt": "2026-01-15T09:30:00.000Z",
         *       "expiresAt": null,
         *       "lastUsedAt": "2026-02-01T12:00:00.000Z",
         *       "lastTestedAt": null,
         *       "testStatus": null,
         *       "healthIssue": null,
         *       "baseUrl": null
         *     }
         */
        KeyView: {
            /** @description Custom base URL (providers that need one) */
            baseUrl: string | null;
            /** Format: date-time */
            createdAt: string;
            enabled: boolean;
            /** @description After this instant the key is not used */
            expiresAt: string | null;
            /** @description Set by an internal service report; cleared by a new secret or a passing test */
            healthIssue: ("unauthorized" | "quota_exceeded") | null;
            /** @description Key id, unique per owner */
            id: string;
            /** @description Shown to the owner and passed on in resolve answers */
            label: string;
            lastTestedAt: string | null;
            /** @description Last time resolution handed the key out */
            lastUsedAt: string | null;
            /** @description At most the first and last four characters (the last two of a key shorter than 16); never the key */
            maskedKey: string;
            /**
             * @description Provider id (see GET /api/v1/byok/providers)
             * @enum {string}
             */
            provider: "openai" | "anthropic" | "google" | "groq" | "mistral" | "cohere" | "together" | "perplexity" | "huggingface" | "openrouter" | "deepseek" | "xai" | "meta" | "custom";
            /**
             * @description active keys are used by resolution; invalid: failed a test or reported unauthorized / over quota
             * @enum {string}
             */
            status: "active" | "disabled" | "expired" | "invalid";
            /** @description The verdict of the last test against the provider */
            testStatus: ("valid" | "invalid" | "rate_limited" | "unreachable") | null;
            /** Format: date-time */
            updatedAt: string;
        };
        Me: {
            /** @description Token `azp` */
            clientId: string | null;
            /** @description The byok-* realm roles of the token */
            roles: string[];
            /** @description Token `sub`: the Keycloak user id (the `userId` internal services resolve for) */
            subject: string;
            username: string | null;
        };
        NoKeyDetails: {
            /**
             * @description Also tried, for a model its own provider could not serve
             * @enum {string}
             */
            fallbackProvider?: "openai" | "anthropic" | "google" | "groq" | "mistral" | "cohere" | "together" | "perplexity" | "huggingface" | "openrouter" | "deepseek" | "xai" | "meta" | "custom";
            /**
             * @description Provider id (see GET /api/v1/byok/providers)
             * @enum {string}
             */
            provider?: "openai" | "anthropic" | "google" | "groq" | "mistral" | "cohere" | "together" | "perplexity" | "huggingface" | "openrouter" | "deepseek" | "xai" | "meta" | "custom";
            /**
             * @description no_key: nothing usable, ask the user to add or fix a key; cooling_down: every usable key is rate limited, retry after Retry-After; user_disabled: the user is disabled
             * @enum {string}
             */
            reason: "no_key" | "cooling_down" | "user_disabled";
            /** @description cooling_down: when the first key is back (also the Retry-After header) */
            retryAfterSeconds?: number;
            /** @description The user accepts only their own keys */
            strict?: boolean;
        } & {
            [key: string]: unknown;
        };
        OwnerKeys: {
            /** @description Why adding is not possible */
            addKeysBlockedBy: "tier" | null;
            /** @description Whether the tier allows adding keys */
            canAddKeys: boolean;
            maxKeysPerProvider: number;
            providers: {
                keys: components["schemas"]["KeyView"][];
                /**
                 * @description Provider id (see GET /api/v1/byok/providers)
                 * @enum {string}
                 */
                provider: "openai" | "anthropic" | "google" | "groq" | "mistral" | "cohere" | "together" | "perplexity" | "huggingface" | "openrouter" | "deepseek" | "xai" | "meta" | "custom";
            }[];
            /**
             * @description The lowest tier that may add keys
             * @enum {string}
             */
            requiredTier: "free" | "trial" | "starter" | "professional" | "enterprise";
            /**
             * @description The owner's tier (absent for a group)
             * @enum {string}
             */
            tier?: "free" | "trial" | "starter" | "professional" | "enterprise";
        };
        Preferences: {
            /** @description Only own keys: no team or platform fallback */
            strict: boolean;
        };
        Providers: {
            providers: {
                defaultBaseUrl: string | null;
                /**
                 * @description Provider id (see GET /api/v1/byok/providers)
                 * @enum {string}
                 */
                id: "openai" | "anthropic" | "google" | "groq" | "mistral" | "cohere" | "together" | "perplexity" | "huggingface" | "openrouter" | "deepseek" | "xai" | "meta" | "custom";
                /** @description What a key of this provider looks like */
                keyHint: string;
                name: string;
                requiresBaseUrl: boolean;
                testable: boolean;
            }[];
        };
        /** @description Usage per UTC day over the last USAGE_DAYS_KEPT days (today included): stored plus not yet written figures */
        ProviderUsage: {
            /** @description Summed over the provider's keys, ascending by date, only days with figures */
            days: components["schemas"]["UsageDay"][];
            /** @description Every readable key of the provider, with its totals over the kept days (USAGE_DAYS_KEPT) */
            keys: {
                /** @description Ascending, only days with figures */
                days: components["schemas"]["UsageDay"][];
                /** @description Input (prompt) tokens the provider reported for gateway requests */
                inputTokens: number;
                keyId: string;
                label: string;
                /** @description Output (completion) tokens the provider reported for gateway requests */
                outputTokens: number;
                /** @description Serves of the key: every resolve that handed it out, each gateway attempt included */
                requests: number;
            }[];
        };
        ProviderUsageDay: {
            /**
             * Format: date
             * @description A UTC date (YYYY-MM-DD)
             */
            date: string;
            /** @description Input (prompt) tokens the provider reported for gateway requests */
            inputTokens: number;
            /** @description Output (completion) tokens the provider reported for gateway requests */
            outputTokens: number;
            /**
             * @description Provider id (see GET /api/v1/byok/providers)
             * @enum {string}
             */
            provider: "openai" | "anthropic" | "google" | "groq" | "mistral" | "cohere" | "together" | "perplexity" | "huggingface" | "openrouter" | "deepseek" | "xai" | "meta" | "custom";
            /** @description Serves of the key: every resolve that handed it out, each gateway attempt included */
            requests: number;
        };
        Readiness: {
            checks: {
                detail?: string;
                name: string;
                ok: boolean;
            }[];
            reason?: string;
            /** @enum {string} */
            status: "ready" | "not_ready";
        };
        /**
         * @example {
         *       "provider": "openai",
         *       "model": "gpt-4o",
         *       "baseUrl": null,
         *       "apiKey": "sk-proj-…",
         *       "source": "user",
         *       "keyId": "k_3f9cA7e1b4_d4c0e",
         *       "label": "Personal"
         *     }
         */
        Resolution: {
            /** @description The secret: this is the only response of the service that carries one */
            apiKey: string;
            /** @description Where to send the request (the provider default when null) */
            baseUrl: string | null;
            /** @description Report outcomes against this id */
            keyId?: string;
            label?: string;
            /** @description The model asked for, when one was */
            model?: string;
            /**
             * @description Provider id (see GET /api/v1/byok/providers)
             * @enum {string}
             */
            provider: "openai" | "anthropic" | "google" | "groq" | "mistral" | "cohere" | "together" | "perplexity" | "huggingface" | "openrouter" | "deepseek" | "xai" | "meta" | "custom";
            /**
             * @description Whose key: the user's own, a team key of one of their groups, or a platform key
             * @enum {string}
             */
            source: "user" | "group" | "system";
        };
        TeamKeys: {
            /** @description The caller's strict preference: while true, resolution serves none of these keys */
            strict: boolean;
            /** @description Every group the caller belongs to (directly), in the order resolution's team steps try them (by path) */
            teams: {
                /** @description Keycloak group id */
                id: string;
                name: string;
                /** @description Full path, e.g. /team-alpha or /org/team */
                path: string;
                /** @description Only providers with keys; empty for a group without keys */
                providers: {
                    keys: components["schemas"]["KeyView"][];
                    /**
                     * @description Provider id (see GET /api/v1/byok/providers)
                     * @enum {string}
                     */
                    provider: "openai" | "anthropic" | "google" | "groq" | "mistral" | "cohere" | "together" | "perplexity" | "huggingface" | "openrouter" | "deepseek" | "xai" | "meta" | "custom";
                }[];
            }[];
        };
        TestResults: {
            /**
             * @description Provider id (see GET /api/v1/byok/providers)
             * @enum {string}
             */
            provider: "openai" | "anthropic" | "google" | "groq" | "mistral" | "cohere" | "together" | "perplexity" | "huggingface" | "openrouter" | "deepseek" | "xai" | "meta" | "custom";
            results: {
                keyId: string;
                /** @enum {string} */
                status: "valid" | "invalid" | "rate_limited" | "unreachable";
                /** Format: date-time */
                testedAt: string;
            }[];
        };
        UsageDay: {
            /**
             * Format: date
             * @description A UTC date (YYYY-MM-DD)
             */
            date: string;
            /** @description Input (prompt) tokens the provider reported for gateway requests */
            inputTokens: number;
            /** @description Output (completion) tokens the provider reported for gateway requests */
            outputTokens: number;
            /** @description Serves of the key: every resolve that handed it out, each gateway attempt included */
            requests: number;
        };
        UserList: {
            users: components["schemas"]["UserSummary"][];
        };
        UserSummary: {
            email: string | null;
            enabled: boolean;
            firstName: string | null;
            /** @description Keycloak user id */
            id: string;
            /** @description Key records stored on the user, whether or not they decrypt (nothing is decrypted to count them) */
            keyCount: number;
            lastName: string | null;
            /** @description The stored tier; null when the attribute is missing or unknown (counted as free) */
            tier: ("free" | "trial" | "starter" | "professional" | "enterprise") | null;
            username: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getRoot: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTML page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": unknown;
                };
            };
            /** @description `NOT_FOUND`: Not found. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getAdminGroups: {
        parameters: {
            query?: {
                /**
                 * @description Part of a group's name (1 to 100 characters, case-insensitive; subgroups included)
                 * @example team
                 */
                search?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Groups */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GroupList"];
                };
            };
            /** @description `VALIDATION_FAILED`: The request is not valid. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `FORBIDDEN`: The token does not carry the role this operation needs. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getAdminGroupsGroupIdKeys: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Keycloak group id
                 * @example 0b1c8f52-3d4e-4a6b-9c7d-2e5f8a1b3c4d
                 */
                groupId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Keys (masked) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KeyList"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `FORBIDDEN`: The token does not carry the role this operation needs. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `OWNER_NOT_FOUND`: No such user or group. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postAdminGroupsGroupIdKeys: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Keycloak group id
                 * @example 0b1c8f52-3d4e-4a6b-9c7d-2e5f8a1b3c4d
                 */
                groupId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "provider": "openai",
                 *       "apiKey": "sk-proj-…",
                 *       "label": "Personal",
                 *       "expiresAt": "2027-01-31T00:00:00Z"
                 *     }
                 */
                "application/json": {
                    apiKey: string;
                    baseUrl?: string;
                    expiresAt?: string | null;
                    keyId?: string;
                    label?: string;
                    provider: string;
                };
            };
        };
        responses: {
            /** @description The key whose secret was replaced (with keyId) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KeyView"];
                };
            };
            /** @description The new key */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KeyView"];
                };
            };
            /** @description `VALIDATION_FAILED`: The request is not valid. `MALFORMED_JSON`: The request body is not valid JSON. `UNKNOWN_PROVIDER`: Unknown provider. `INVALID_KEY_FORMAT`: The API key does not look like a key of this provider. `INVALID_BASE_URL`: The base URL is not allowed. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `FORBIDDEN`: The token does not carry the role this operation needs. `TIER_REQUIRED`: Your subscription tier does not include adding API keys. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `OWNER_NOT_FOUND`: No such user or group. `KEY_NOT_FOUND`: No such key. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEY_LIMIT_REACHED`: The maximum number of keys for this provider is reached. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `PAYLOAD_TOO_LARGE`: The request body is too large. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNSUPPORTED_MEDIA_TYPE`: The request body must be application/json. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. `OWNER_BUSY`: Another change to these keys is in progress; retry shortly. `REDIS_UNAVAILABLE`: Shared state (Redis) is unavailable, so changes are refused for now; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteAdminGroupsGroupIdKeysProviderKeyId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Keycloak group id
                 * @example 0b1c8f52-3d4e-4a6b-9c7d-2e5f8a1b3c4d
                 */
                groupId: string;
                /**
                 * @description Key id (the `id` of a key, or the `keyId` of a resolve answer)
                 * @example k_3f9cA7e1b4_d4c0e
                 */
                keyId: string;
                /**
                 * @description Provider id (see GET /api/v1/byok/providers)
                 * @example openai
                 */
                provider: "openai" | "anthropic" | "google" | "groq" | "mistral" | "cohere" | "together" | "perplexity" | "huggingface" | "openrouter" | "deepseek" | "xai" | "meta" | "custom";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `UNKNOWN_PROVIDER`: Unknown provider. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `FORBIDDEN`: The token does not carry the role this operation needs. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `OWNER_NOT_FOUND`: No such user or group. `KEY_NOT_FOUND`: No such key. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. `OWNER_BUSY`: Another change to these keys is in progress; retry shortly. `REDIS_UNAVAILABLE`: Shared state (Redis) is unavailable, so changes are refused for now; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    patchAdminGroupsGroupIdKeysProviderKeyId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Keycloak group id
                 * @example 0b1c8f52-3d4e-4a6b-9c7d-2e5f8a1b3c4d
                 */
                groupId: string;
                /**
                 * @description Key id (the `id` of a key, or the `keyId` of a resolve answer)
                 * @example k_3f9cA7e1b4_d4c0e
                 */
                keyId: string;
                /**
                 * @description Provider id (see GET /api/v1/byok/providers)
                 * @example openai
                 */
                provider: "openai" | "anthropic" | "google" | "groq" | "mistral" | "cohere" | "together" | "perplexity" | "huggingface" | "openrouter" | "deepseek" | "xai" | "meta" | "custom";
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "enabled": false
                 *     }
                 */
                "application/json": {
                    apiKey?: string;
                    enabled?: boolean;
                    expiresAt?: string | null;
                    label?: string;
                };
            };
        };
        responses: {
            /** @description The key */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KeyView"];
                };
            };
            /** @description `VALIDATION_FAILED`: The request is not valid. `MALFORMED_JSON`: The request body is not valid JSON. `UNKNOWN_PROVIDER`: Unknown provider. `INVALID_KEY_FORMAT`: The API key does not look like a key of this provider. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `FORBIDDEN`: The token does not carry the role this operation needs. `TIER_REQUIRED`: Your subscription tier does not include adding API keys. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `OWNER_NOT_FOUND`: No such user or group. `KEY_NOT_FOUND`: No such key. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `PAYLOAD_TOO_LARGE`: The request body is too large. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNSUPPORTED_MEDIA_TYPE`: The request body must be application/json. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. `OWNER_BUSY`: Another change to these keys is in progress; retry shortly. `REDIS_UNAVAILABLE`: Shared state (Redis) is unavailable, so changes are refused for now; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postAdminGroupsGroupIdKeysTestProvider: {
        parameters: {
            query?: {
                /**
                 * @description Only this key
                 * @example k_3f9cA7e1b4_d4c0e
                 */
                keyId?: string;
            };
            header?: never;
            path: {
                /**
                 * @description Keycloak group id
                 * @example 0b1c8f52-3d4e-4a6b-9c7d-2e5f8a1b3c4d
                 */
                groupId: string;
                /**
                 * @description Provider id (see GET /api/v1/byok/providers)
                 * @example openai
                 */
                provider: "openai" | "anthropic" | "google" | "groq" | "mistral" | "cohere" | "together" | "perplexity" | "huggingface" | "openrouter" | "deepseek" | "xai" | "meta" | "custom";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One result per key tested */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TestResults"];
                };
            };
            /** @description `UNKNOWN_PROVIDER`: Unknown provider. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `FORBIDDEN`: The token does not carry the role this operation needs. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `OWNER_NOT_FOUND`: No such user or group. `KEY_NOT_FOUND`: No such key. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. `OWNER_BUSY`: Another change to these keys is in progress; retry shortly. `REDIS_UNAVAILABLE`: Shared state (Redis) is unavailable, so changes are refused for now; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getAdminStats: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Stats */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdoptionStats"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `FORBIDDEN`: The token does not carry the role this operation needs. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getAdminUsers: {
        parameters: {
            query: {
                /**
                 * @description At most this many users (1 to 50; default 20)
                 * @example 20
                 */
                max?: number;
                /**
                 * @description Part of a username, email, first or last name (1 to 100 characters; several words must all match; an exact username or email comes first)
                 * @example dave
                 */
                search: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Users found */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserList"];
                };
            };
            /** @description `VALIDATION_FAILED`: The request is not valid. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `FORBIDDEN`: The token does not carry the role this operation needs. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getAdminUsersUserId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Keycloak user id
                 * @example 0b1c8f52-3d4e-4a6b-9c7d-2e5f8a1b3c4d
                 */
                userId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The user */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserSummary"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `FORBIDDEN`: The token does not carry the role this operation needs. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `OWNER_NOT_FOUND`: No such user or group. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getAdminUsersUserIdKeys: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Keycloak user id
                 * @example 0b1c8f52-3d4e-4a6b-9c7d-2e5f8a1b3c4d
                 */
                userId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Keys (masked) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KeyList"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `FORBIDDEN`: The token does not carry the role this operation needs. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `OWNER_NOT_FOUND`: No such user or group. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putAdminUsersUserIdTier: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Keycloak user id
                 * @example 0b1c8f52-3d4e-4a6b-9c7d-2e5f8a1b3c4d
                 */
                userId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "tier": "starter"
                 *     }
                 */
                "application/json": {
                    /** @enum {string} */
                    tier: "free" | "trial" | "starter" | "professional" | "enterprise";
                };
            };
        };
        responses: {
            /** @description The tier */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /**
                         * @description Subscription tier (user attribute subscription_tier; missing or unknown counts as free)
                         * @enum {string}
                         */
                        tier: "free" | "trial" | "starter" | "professional" | "enterprise";
                    };
                };
            };
            /** @description `VALIDATION_FAILED`: The request is not valid. `MALFORMED_JSON`: The request body is not valid JSON. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `FORBIDDEN`: The token does not carry the role this operation needs. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `OWNER_NOT_FOUND`: No such user or group. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `PAYLOAD_TOO_LARGE`: The request body is too large. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNSUPPORTED_MEDIA_TYPE`: The request body must be application/json. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. `OWNER_BUSY`: Another change to these keys is in progress; retry shortly. `REDIS_UNAVAILABLE`: Shared state (Redis) is unavailable, so changes are refused for now; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getByokKeys: {
        parameters: {
            query?: {
                /**
                 * @description Only this provider
                 * @example openai
                 */
                provider?: "openai" | "anthropic" | "google" | "groq" | "mistral" | "cohere" | "together" | "perplexity" | "huggingface" | "openrouter" | "deepseek" | "xai" | "meta" | "custom";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Keys per provider */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OwnerKeys"];
                };
            };
            /** @description `UNKNOWN_PROVIDER`: Unknown provider. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `OWNER_NOT_FOUND`: No such user or group. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteByokKeysProvider: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Provider id (see GET /api/v1/byok/providers)
                 * @example openai
                 */
                provider: "openai" | "anthropic" | "google" | "groq" | "mistral" | "cohere" | "together" | "perplexity" | "huggingface" | "openrouter" | "deepseek" | "xai" | "meta" | "custom";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `UNKNOWN_PROVIDER`: Unknown provider. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `OWNER_NOT_FOUND`: No such user or group. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. `OWNER_BUSY`: Another change to these keys is in progress; retry shortly. `REDIS_UNAVAILABLE`: Shared state (Redis) is unavailable, so changes are refused for now; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteByokKeysProviderKeyId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Key id (the `id` of a key, or the `keyId` of a resolve answer)
                 * @example k_3f9cA7e1b4_d4c0e
                 */
                keyId: string;
                /**
                 * @description Provider id (see GET /api/v1/byok/providers)
                 * @example openai
                 */
                provider: "openai" | "anthropic" | "google" | "groq" | "mistral" | "cohere" | "together" | "perplexity" | "huggingface" | "openrouter" | "deepseek" | "xai" | "meta" | "custom";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `UNKNOWN_PROVIDER`: Unknown provider. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEY_NOT_FOUND`: No such key. `OWNER_NOT_FOUND`: No such user or group. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. `OWNER_BUSY`: Another change to these keys is in progress; retry shortly. `REDIS_UNAVAILABLE`: Shared state (Redis) is unavailable, so changes are refused for now; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    patchByokKeysProviderKeyId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description Key id (the `id` of a key, or the `keyId` of a resolve answer)
                 * @example k_3f9cA7e1b4_d4c0e
                 */
                keyId: string;
                /**
                 * @description Provider id (see GET /api/v1/byok/providers)
                 * @example openai
                 */
                provider: "openai" | "anthropic" | "google" | "groq" | "mistral" | "cohere" | "together" | "perplexity" | "huggingface" | "openrouter" | "deepseek" | "xai" | "meta" | "custom";
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "enabled": false
                 *     }
                 */
                "application/json": {
                    apiKey?: string;
                    enabled?: boolean;
                    expiresAt?: string | null;
                    label?: string;
                };
            };
        };
        responses: {
            /** @description The key */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KeyView"];
                };
            };
            /** @description `VALIDATION_FAILED`: The request is not valid. `MALFORMED_JSON`: The request body is not valid JSON. `UNKNOWN_PROVIDER`: Unknown provider. `INVALID_KEY_FORMAT`: The API key does not look like a key of this provider. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `TIER_REQUIRED`: Your subscription tier does not include adding API keys. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEY_NOT_FOUND`: No such key. `OWNER_NOT_FOUND`: No such user or group. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `PAYLOAD_TOO_LARGE`: The request body is too large. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNSUPPORTED_MEDIA_TYPE`: The request body must be application/json. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. `OWNER_BUSY`: Another change to these keys is in progress; retry shortly. `REDIS_UNAVAILABLE`: Shared state (Redis) is unavailable, so changes are refused for now; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postByokKeysAdd: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "provider": "openai",
                 *       "apiKey": "sk-proj-…",
                 *       "label": "Personal",
                 *       "expiresAt": "2027-01-31T00:00:00Z"
                 *     }
                 */
                "application/json": {
                    apiKey: string;
                    baseUrl?: string;
                    expiresAt?: string | null;
                    keyId?: string;
                    label?: string;
                    provider: string;
                };
            };
        };
        responses: {
            /** @description The key whose secret was replaced (with keyId) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KeyView"];
                };
            };
            /** @description The new key */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KeyView"];
                };
            };
            /** @description `VALIDATION_FAILED`: The request is not valid. `MALFORMED_JSON`: The request body is not valid JSON. `UNKNOWN_PROVIDER`: Unknown provider. `INVALID_KEY_FORMAT`: The API key does not look like a key of this provider. `INVALID_BASE_URL`: The base URL is not allowed. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `TIER_REQUIRED`: Your subscription tier does not include adding API keys. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEY_NOT_FOUND`: No such key. `OWNER_NOT_FOUND`: No such user or group. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEY_LIMIT_REACHED`: The maximum number of keys for this provider is reached. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `PAYLOAD_TOO_LARGE`: The request body is too large. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNSUPPORTED_MEDIA_TYPE`: The request body must be application/json. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. `OWNER_BUSY`: Another change to these keys is in progress; retry shortly. `REDIS_UNAVAILABLE`: Shared state (Redis) is unavailable, so changes are refused for now; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postByokKeysTestProvider: {
        parameters: {
            query?: {
                /**
                 * @description Only this key
                 * @example k_3f9cA7e1b4_d4c0e
                 */
                keyId?: string;
            };
            header?: never;
            path: {
                /**
                 * @description Provider id (see GET /api/v1/byok/providers)
                 * @example openai
                 */
                provider: "openai" | "anthropic" | "google" | "groq" | "mistral" | "cohere" | "together" | "perplexity" | "huggingface" | "openrouter" | "deepseek" | "xai" | "meta" | "custom";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One result per key tested */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TestResults"];
                };
            };
            /** @description `UNKNOWN_PROVIDER`: Unknown provider. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEY_NOT_FOUND`: No such key. `OWNER_NOT_FOUND`: No such user or group. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. `OWNER_BUSY`: Another change to these keys is in progress; retry shortly. `REDIS_UNAVAILABLE`: Shared state (Redis) is unavailable, so changes are refused for now; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getByokPreferences: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Preferences */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Preferences"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `OWNER_NOT_FOUND`: No such user or group. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putByokPreferences: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "strict": true
                 *     }
                 */
                "application/json": {
                    strict: boolean;
                };
            };
        };
        responses: {
            /** @description Preferences */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Preferences"];
                };
            };
            /** @description `VALIDATION_FAILED`: The request is not valid. `MALFORMED_JSON`: The request body is not valid JSON. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `OWNER_NOT_FOUND`: No such user or group. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `PAYLOAD_TOO_LARGE`: The request body is too large. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNSUPPORTED_MEDIA_TYPE`: The request body must be application/json. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. `OWNER_BUSY`: Another change to these keys is in progress; retry shortly. `REDIS_UNAVAILABLE`: Shared state (Redis) is unavailable, so changes are refused for now; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getByokProviders: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Providers */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Providers"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getByokStats: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Stats per provider */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KeyStats"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `OWNER_NOT_FOUND`: No such user or group. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getByokTeamKeys: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Team keys per group */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeamKeys"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `OWNER_NOT_FOUND`: No such user or group. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postInternalReport: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "userId": "0b1c8f52-3d4e-4a6b-9c7d-2e5f8a1b3c4d",
                 *       "provider": "openai",
                 *       "keyId": "k_3f9cA7e1b4_d4c0e",
                 *       "outcome": "rate_limited",
                 *       "retryAfterSeconds": 30
                 *     }
                 */
                "application/json": {
                    keyId: string;
                    /** @enum {string} */
                    outcome: "ok" | "rate_limited" | "unauthorized" | "quota_exceeded" | "error";
                    provider: string;
                    retryAfterSeconds?: number;
                    userId: string;
                };
            };
        };
        responses: {
            /** @description Recorded */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `VALIDATION_FAILED`: The request is not valid. `MALFORMED_JSON`: The request body is not valid JSON. `UNKNOWN_PROVIDER`: Unknown provider. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `FORBIDDEN`: The token does not carry the role this operation needs. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEY_NOT_FOUND`: No such key. `OWNER_NOT_FOUND`: No such user or group. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `PAYLOAD_TOO_LARGE`: The request body is too large. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNSUPPORTED_MEDIA_TYPE`: The request body must be application/json. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. `OWNER_BUSY`: Another change to these keys is in progress; retry shortly. `REDIS_UNAVAILABLE`: Shared state (Redis) is unavailable, so changes are refused for now; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postInternalResolve: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "userId": "0b1c8f52-3d4e-4a6b-9c7d-2e5f8a1b3c4d",
                 *       "model": "gpt-4o"
                 *     }
                 */
                "application/json": {
                    allowSystemFallback?: boolean;
                    groupId?: string;
                    model?: string;
                    provider?: string;
                    userId: string;
                };
            };
        };
        responses: {
            /** @description The key and where it came from */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Resolution"];
                };
            };
            /** @description `VALIDATION_FAILED`: The request is not valid. `MALFORMED_JSON`: The request body is not valid JSON. `UNKNOWN_PROVIDER`: Unknown provider. `UNKNOWN_MODEL`: Unknown model. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `FORBIDDEN`: The token does not carry the role this operation needs. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `NO_KEY_AVAILABLE`: No usable key is available. `OWNER_NOT_FOUND`: No such user or group. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `PAYLOAD_TOO_LARGE`: The request body is too large. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNSUPPORTED_MEDIA_TYPE`: The request body must be application/json. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getMe: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The caller */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Me"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postProxyProviderPath: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The provider API path, e.g. `chat/completions` (OpenAI) or `v1/messages` (Anthropic); may hold slashes */
                path: string;
                /** @description Provider id (see GET /api/v1/byok/providers) */
                provider: "openai" | "anthropic" | "google" | "groq" | "mistral" | "cohere" | "together" | "perplexity" | "huggingface" | "openrouter" | "deepseek" | "xai" | "meta" | "custom";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The provider's answer, passed through */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
            /** @description `UNKNOWN_PROVIDER`: Unknown provider. `VALIDATION_FAILED`: The request is not valid. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `NO_KEY_AVAILABLE`: No usable key is available. `OWNER_NOT_FOUND`: No such user or group. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `PAYLOAD_TOO_LARGE`: The request body is too large. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `RATE_LIMITED`: Too many requests; retry later. */
            429: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UPSTREAM_UNAVAILABLE`: The provider could not be reached. */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `KEYCLOAK_UNAVAILABLE`: The identity server is unavailable; retry later. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `UPSTREAM_TIMEOUT`: The provider did not answer in time. */
            504: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getAssetsFile: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description File name, as index.html names it */
                file: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The file */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `NOT_FOUND`: Not found. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getDocs: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTML page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": unknown;
                };
            };
        };
    };
    getDocsAssetsFile: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description File name */
                file: "swagger-ui.css" | "swagger-ui-bundle.js" | "oauth2-redirect.js";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The file */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `NOT_FOUND`: Not found. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getDocsInitJs: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description JavaScript */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/javascript": unknown;
                };
            };
        };
    };
    getDocsOauth2RedirectHtml: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTML page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": unknown;
                };
            };
        };
    };
    getFaviconSvg: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description SVG */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/svg+xml": unknown;
                };
            };
            /** @description `NOT_FOUND`: Not found. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getHealthz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Alive */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "ok";
                    };
                };
            };
        };
    };
    getIndexHtml: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTML page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": unknown;
                };
            };
            /** @description `NOT_FOUND`: Not found. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Prometheus text format */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": unknown;
                };
            };
            /** @description `UNAUTHENTICATED`: A valid bearer token is required. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getOpenapiJson: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OpenAPI 3.1 */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    getReadyz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            /** @description `NOT_READY`: The service is not ready. */
            503: {
                headers: {
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getUiConfigJson: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description UI configuration */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        clientId: string;
                        keycloakUrl: string;
                        realm: string;
                    };
                };
            };
        };
    };
}
