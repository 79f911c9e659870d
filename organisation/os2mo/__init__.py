"""Reading the organisation and the MED structure from OS2mo (the municipality's organisation
system) into the organisation import.

- `client`: OS2mo's GraphQL API (version pinned in settings), signed in by client credentials
  against OS2mo's Keycloak; paged queries; a recorded export on disk answers the same requests.
- `mapping`: OS2mo's objects → the records the CSV import takes, every bad object reported.
- `sync`: HR's fetch → preview → confirm, and the scheduled sync that applies the valid rest.

All validation, planning, preview, digest and idempotency are those of `organisation.importer`:
OS2mo's data is turned into the four CSV files it reads.
"""
