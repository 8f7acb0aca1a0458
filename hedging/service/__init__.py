"""The facade that pages and the command line call; it composes ingest, store and the maths.

Every function takes :class:`~hedging.config.Settings` (or builds them from the environment) and
returns plain frames, dicts or frozen result objects.
"""

from hedging import fmt  # noqa: F401  (the one number format; pages call it as service.fmt)
from hedging.service.forecast import ForecastView, forecast, monthly_table  # noqa: F401
from hedging.service.hedge import (  # noqa: F401
    exposure_table,
    ratio_table,
    schedule_csv,
    schedule_table,
)
from hedging.contracts.instruments import DEFAULT_RATE as INSTRUMENT_RATE  # noqa: F401
from hedging.service.instruments import instrument_comparison, instrument_quotes, regret_table  # noqa: F401
from hedging.service.run import Program, Run, SanityError, build_program_stage, build_run, finish_run  # noqa: F401
from hedging.service.spec import (  # noqa: F401
    DRILL_DOWNS,
    HORIZONS,
    MODEL_KEYS,
    POLICIES,
    POLICY_SHORT,
    Policy,
    PriceChange,
    RunSpec,
    today_utc,
)
from hedging.service.outcome import metrics_table  # noqa: F401
from hedging.service.natural import (  # noqa: F401
    EDITOR_COLUMNS as COMMITMENT_COLUMNS,
    KINDS as COMMITMENT_KINDS,
    Commitment,
    check_providers as check_commitment_providers,
    commitment_providers,
    commitment_rows,
    commitments_from_csv,
    commitments_from_rows,
    commitments_template,
    natural_summary,
    natural_table,
)
from hedging.service.proposal import (  # noqa: F401
    compare_proposals,
    delete_proposal,
    figure,
    proposal_pdf,
    list_proposals,
    load_proposal,
    save_proposal,
)
from hedging.service.stress import paper_reproduction  # noqa: F401
from hedging.service.candidates import (  # noqa: F401
    IndexCandidates,
    candidate_source,
    candidate_summary,
    candidates_figure,
    index_candidates,
)
from hedging.service.market import (  # noqa: F401
    MODEL_CHOICES,
    UNDERLYINGS,
    MarketView,
    choose_index,
    chosen_index,
    contract_tick,
    delete_index,
    index_choices,
    index_history,
    market_version,
    market_view,
    price_model,
    upload_index,
)
from hedging.service.audit import (  # noqa: F401
    ACTIONS as AUDIT_ACTIONS,
    LOCAL_USER,
    audit_actors,
    audit_csv,
    audit_trail,
    cli_actor,
    record_pdf_export,
)
from hedging.service.audit import when as audit_when  # noqa: F401
from hedging.service.reconcile import Reconciliation, reconciliation, reconciliation_csv  # noqa: F401
from hedging.service.usage import (  # noqa: F401
    COUNTS,
    ImportsOverview,
    charts,
    count_help,
    count_label,
    data_version,
    default_settings,
    delete_import,
    import_files,
    import_report,
    import_summary,
    imports_overview,
    list_imports,
    load_sample_company,
    monthly_usage,
    price_table,
    read_usage,
    rejected_report,
    safe_csv,
    sample_files,
    stored_usage,
    transaction,
    usage_aggregate,
    usage_totals,
)
