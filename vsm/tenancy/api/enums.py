"""The names of this app's choice sets in the API schema (collected by vsm.api.apps): one name
each, since several models have a `kind` or a `status`."""

ENUM_NAMES = {
    "RoleEnum": "vsm.tenancy.roles.Role",
}
