"""Admin tab (the owner's): users and their usage, system figures, and the reports on shared images to settle.

Plus the small form every user has for reporting an image someone shared with them."""
from __future__ import annotations

import gradio as gr

from neurocanvas.handlers.admin import FLAG_COLUMNS, SETTLE_ACTIONS, USER_COLUMNS, AdminHandler
from neurocanvas.store.tables import FLAG_REASONS


def build(demo: gr.Blocks, admin: AdminHandler, tab: gr.Tab) -> None:
    note = gr.Markdown(elem_id="admin-note")
    with gr.Column(visible=False) as figures:  # shown on load to the owner (showing re-renders this column only)
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
    demo.load(_for_owner(admin), None, [figures, note], queue=False)
    tab.select(_on_open(admin), None, [users, system, reports], queue=False)
    refresh.click(admin.users, None, users, api_name="admin_users")
    refresh.click(admin.dashboard, None, system, api_name="admin_dashboard")
    refresh.click(admin.reports, None, reports, api_name="admin_reports")
    reports.select(_picked_report, None, report_id, queue=False)
    settle.click(admin.settle, [report_id, action], settled, api_name="settle_report").success(
        admin.reports, None, reports)


def build_report(admin: AdminHandler) -> None:
    gr.Markdown("Report an image someone shared with you: the studio's owner will look at it, and may stop the "
                "sharing.")
    link = gr.Textbox(label="The share link", placeholder="http://…/nc/share/…", elem_id="report-link")
    with gr.Row():
        reason = gr.Dropdown(list(FLAG_REASONS), value="other", label="Why", scale=1)
        note = gr.Textbox(label="A note for the owner (optional)", max_length=500, scale=3)
    send = gr.Button("Report", size="sm")
    answer = gr.Markdown(elem_id="report-answer")
    send.click(admin.report, [link, reason, note], answer, api_name="report_shared")


def _for_owner(admin: AdminHandler):
    def show(request: gr.Request) -> tuple[gr.Column, str]:
        if admin.is_owner(request):
            return gr.Column(visible=True), "Everyone's usage and the studio's health."
        return gr.Column(visible=False), "This tab is for the studio's owner: its figures are not shown to you."

    return show


def _on_open(admin: AdminHandler):
    """Opening the tab refreshes the owner's figures; anyone else's click asks for nothing (no error toast)."""
    def refresh(request: gr.Request) -> tuple:
        if not admin.is_owner(request):
            return gr.skip(), gr.skip(), gr.skip()
        return admin.users(request), admin.dashboard(request), admin.reports(request)

    return refresh


def _picked_report(event: gr.SelectData) -> int | None:
    """The id column of the row clicked (the table's own data, not text we printed)."""
    row = event.row_value or []
    return row[0] if row else None
