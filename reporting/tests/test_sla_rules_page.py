"""The "How SLA figures are computed" page: every rule in words, worked examples from the engine."""

import pytest

pytestmark = pytest.mark.django_db


def test_any_signed_in_party_reads_how_sla_figures_are_computed(client, supplier_user):
    client.force_login(supplier_user)
    page = client.get("/reports/how-sla-figures-are-computed/").content.decode()
    for words in ("One rule for \"met\"", "Deadlines move only by business time actually paused",
                  "Resolved straight from Pending", "Cancelled incidents", "OLA clocks",
                  "Number of escalations", "Number of emergency changes"):
        assert words in page


def test_the_worked_examples_are_computed_by_the_engine_one_per_severity(client, auditor_user):
    from reporting.sla_rules import worked_examples

    examples = worked_examples()
    assert [e.verdict for e in examples] == ["met", "met", "breached", "breached",
                                            "not measured"]
    assert {e.title[:4] for e in examples} == {"Sev1", "Sev2", "Sev3", "Sev4"}
    sev4 = examples[3]
    assert any("no business time, so the resolution due time did not move (11 Dec 2026 18:00)"
               in line for line in sev4.explanation)
    assert any("breached: done after the due time 11 Dec 2026 18:00" in line
               for line in sev4.explanation)
    client.force_login(auditor_user)
    page = client.get("/reports/how-sla-figures-are-computed/").content.decode()
    assert "Resolution verdict: <strong>breached</strong>" in page


def test_the_page_needs_a_sign_in(client):
    response = client.get("/reports/how-sla-figures-are-computed/")
    assert response.status_code == 302 and "login" in response["Location"]
