"""Admin tab (the owner's): users and their usage, system figures, and the reports on shared images to settle.

Plus the small form every user has for reporting an image someone shared with them."""
from __future__ import annotations

import gradio as gr

from neurocanvas.handlers.admin import FLAG_COLUMNS, SETTLE_ACTIONS, USER_COLUMNS, AdminHandler
from neurocanvas.store.tables import FLAG_REASONS


def build(demo: gr.Blocks, admin: AdminHandler, tab: gr.Tab) -> None:
    gr.Markdown("Everyone's usage and the studio's health. Only the studio's owner sees this tab.")
    refresh = gr.Button("Refresh", size="sm")
    users = gr.Dataframe(headers=USER_COLUMNS, label="Users and their usage", interactive=False, wrap=True,
                         elem_id="admin-users")
    system = gr.JSON(label="System: jobs, errors, timings, disk, models in memory", elem_id="admin-system")
    reports = gr.Dataframe(headers=FLAG_COLUMNS, label="Open reports on shared images (click one to pick it)",
                           interactive=False, wrap=True, elem_id="admin-reports")
    with gr.Row():
        report_id = gr.Number(label="Report id", precision=0, scale=1, elem_id="admin-report-id")
        action = gr.Radio(list(SETTLE_ACTIONS), value="dismiss", label="Settle it", scale=2)
        settle = gr.Button("Settle", size="sm", scale=1)
    settled = gr.Markdown(elem_id="admin-settled")
    demo.load(_visible(admin), None, tab, queue=False)  # the tab starts hidden (Gradio cannot hide a shown tab)
    for handler, output, name in ((admin.users, users, "admin_users"), (admin.dashboard, system, "admin_dashboard"),
                                  (admin.reports, reports, "admin_reports")):
        refresh.click(handler, None, output, queue=False, api_name=name)
        tab.select(handler, None, output, queue=False, api_visibility="private")  # not on load: the owner's alone
    reports.select(_picked_report, None, report_id, queue=False)
    settle.click(admin.settle, [report_id, action], settled, queue=False, api_name="settle_report").success(
        admin.reports, None, reports, queue=False)


def build_report(admin: AdminHandler) -> None:
    gr.Markdown("Report an image someone shared with you: the studio's owner will look at it, and may stop the "
                "sharing.")
    link = gr.Textbox(label="The share link", placeholder="http://…/nc/share/…", elem_id="report-link")
    with gr.Row():
        reason = gr.Dropdown(list(FLAG_REASONS), value="other", label="Why", scale=1)
        note = gr.Textbox(label="A note for the owner (optional)", max_length=500, scale=3)
    send = gr.Button("Report", size="sm")
    answer = gr.Markdown(elem_id="report-answer")
    send.click(admin.report, [link, reason, note], answer, queue=False, api_name="report_shared")


def _visible(admin: AdminHandler):
    def visible(request: gr.Request) -> gr.Tab:
        return gr.Tab(visible=admin.is_owner(request))

    return visible


def _picked_report(event: gr.SelectData) -> int | None:
    """The id column of the row clicked (the table's own data, not text we printed)."""
    row = event.row_value or []
    return row[0] if row else None
