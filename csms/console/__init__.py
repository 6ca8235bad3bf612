"""The operator console (docs/console.md): server-rendered pages in Japanese (English
selectable) over the operator API. Every page calls the API in process with the key its user
logged in with, so the API's roles, tenancy, masking of card ids and audit apply unchanged:
the console holds no rule of its own."""
