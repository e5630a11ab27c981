"""Limits shared by API input serializers."""

# The largest values PostgreSQL's integer and bigint columns hold: a larger number in a request
# answers 400 naming the field instead of failing in the database.
INT_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1
