/** The realm roles of the service (docs/api.md#tokens): created by bootstrap-realm, checked by the HTTP layer. */
export const INTERNAL_ROLE = 'byok-internal';
export const ADMIN_ROLE = 'byok-admin';
