"""Audit trail: who imported, deleted, uploaded, chose, saved or exported what, and when (UTC)."""

import streamlit as st

from hedging import service
from hedging.errors import HedgingError
from screens import _render as base
from screens import _shared as sh

EVERYONE, EVERY_ACTION = "Everyone", "Every action"

st.title("Audit trail")
st.caption("Every import, deleted import, index upload, deleted index, index choice, saved or deleted proposal and "
           "PDF export: who did it, when (UTC), what it touched and that record's fingerprint (the SHA-256 of the "
           "imported file or index history, the proposal's fingerprint). Each entry is written in the same "
           "transaction as the change itself, and nobody can edit or delete an entry, here or in the database.")

people = service.audit_actors(sh.settings())
a, b, c = st.columns([2, 2, 3])
who = a.selectbox("Who", [EVERYONE, *people], key="audit_who")
action = b.selectbox("Action", [EVERY_ACTION, *service.AUDIT_ACTIONS], key="audit_action")
days = c.date_input("Dates (UTC), from and to", value=(), key="audit_dates",
                    help="Leave empty for every day; pick one day for that day on, two for a range.")
start = days[0] if len(days) > 0 else None
end = days[1] if len(days) > 1 else None

try:
    trail = service.audit_trail(sh.settings(), actor=None if who == EVERYONE else who,
                                action=None if action == EVERY_ACTION else action, start=start, end=end)
except HedgingError as err:
    st.error(sh.as_text(str(err)), icon=":material/error:")
    st.stop()
if trail.empty:
    st.info("No entries match these filters." if people else "Nothing has been recorded yet: imports, index "
            "uploads and choices, proposals and PDF exports appear here as they happen.", icon=":material/info:")
    st.stop()

span = (f"from {service.fmt.date(start)}" if start else "") + (f" to {service.fmt.date(end)}" if end else "")
st.caption(sh.as_text(f"{service.fmt.count(len(trail))} entr{'y' if len(trail) == 1 else 'ies'}, newest first"
                      f"{', ' + span.strip() if span else ''}."))
base.table(trail, "audit_table", {"when (UTC)": service.audit_when},
           column_config={"fingerprint": st.column_config.TextColumn(width="small"),
                          "detail": st.column_config.TextColumn(width="medium")})
st.download_button("Download these entries (CSV)", service.audit_csv(trail), "audit_trail.csv", "text/csv",
                   key="audit_csv", help="Times in ISO 8601, UTC; the whole fingerprints.")
