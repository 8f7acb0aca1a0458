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
from hedging.service.hedge_view import (  # noqa: F401
    HedgeView,
    compute_ahead,
    hedge_result,
    hedge_view,
    is_kept,
    kept_hedge_result,
    kept_instrument_comparison,
    wait_ahead,
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
    MAX_COMPARED,
    compare_documents,
    compare_proposals,
    delete_proposal,
    figure,
    proposal_pdf,
    list_proposals,
    load_proposal,
    save_proposal,
)
from hedging.service.stress import paper_reproduction  # noqa: F401
from hedging.service.compare import compare_charts, document_paths, scenario_figure, variant_document, variant_label  # noqa: F401
from hedging.service.sensitivity import (  # noqa: F401
    MOVES as SENSITIVITY_MOVES,
    frontier,
    frontier_table,
    overall_hedge_ratio,
    sensitivity_tornado,
    tornado_table,
)
from hedging.service.workbook import XLSX_MIME, proposal_xlsx  # noqa: F401
from hedging.service.hedge import dropped_table  # noqa: F401
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
    interval_text,
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
    unexpected_import_error,
    usage_aggregate,
    usage_totals,
)
from hedging.service.access import ROLES, AccessDenied, my_workspaces  # noqa: F401,E402
from hedging.service.lifecycle import (  # noqa: F401,E402
    DRAFT_MARK,
    MEANING as STATUS_MEANING,
    approve as approve_proposal,
    lifecycle as proposal_lifecycle,
    reject as reject_proposal,
    submit as submit_proposal,
)
from hedging.service.workspaces import (  # noqa: F401,E402
    ROLE_HELP,
    create_workspace,
    members as workspace_members,
    remove_member,
    set_member,
)
from hedging.service.advice import Advice, advice_list, advise  # noqa: F401,E402
from hedging.service.decision import CostBridge, DecisionSummary, cost_bridge, decision_summary  # noqa: F401,E402
from hedging.service.disclosure import COLUMNS as DISCLOSURE_COLUMNS  # noqa: F401,E402
from hedging.service.disclosure import disclosure_csv, disclosure_table, ratios_by_name, run_disclosure  # noqa: F401,E402
from hedging.hedge.hedge_policy import INSTRUMENT_NAMES as POLICY_INSTRUMENT_NAMES, INSTRUMENTS as POLICY_INSTRUMENTS  # noqa: F401,E402
from hedging.service.hedge_policy import (  # noqa: F401,E402
    DEFAULT_LABEL as POLICY_DEFAULT_LABEL,
    check_run as policy_check_run,
    lines_table as policy_lines_table,
    may_edit_policy,
    policy_from_form,
    policy_in_force,
    policy_versions,
    set_policy,
)
from hedging.service.designation import memo_state, record_memo_export  # noqa: F401,E402
from hedging.service.memo_export import designation_memo_of, memo_pdf  # noqa: F401,E402
