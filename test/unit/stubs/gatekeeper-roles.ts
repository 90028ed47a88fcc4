// '#gatekeeper-roles' as a build generates it for the default `authorization.roles`: the session's `roles` field.
export default '/roles'
