"""Message templates: fallbacks, skips instead of "Hi ,", escaping, checks and the sandbox (MSG-7)."""

from __future__ import annotations

import threading

import pytest

from engage_desktop.domain.templates import VARIABLES, Rendered, TemplateProblem, check_template, render


def test_known_fields_and_labels():
    assert set(VARIABLES) == {
        "first_name", "preferred_name", "last_name", "practice_name", "location_name", "location_phone",
        "appointment_date", "appointment_time", "provider_name", "portal_link", "recall_due_date",
    }
    assert VARIABLES["first_name"] == "first name" and VARIABLES["recall_due_date"] == "recall due date"


def test_values_are_filled_in():
    out = render("Hi {{ first_name }}, see you {{ appointment_date }} at {{ appointment_time }}.",
                 {"first_name": "Ann", "appointment_date": "Tue Jul 7", "appointment_time": "9:30 am"})
    assert out == Rendered(text="Hi Ann, see you Tue Jul 7 at 9:30 am.", missing=(), skip_reason=None)


@pytest.mark.parametrize("template", [
    'Hi {{ first_name | default("there") }}!',
    'Hi {{ first_name | d("there") }}!',
    'Hi {{ first_name or "there" }}!',
    "Hi {% if first_name %}{{ first_name }}{% else %}there{% endif %}!",
])
@pytest.mark.parametrize("value", [None, "", "   ", "absent"])
def test_fallbacks_in_both_syntaxes_cover_absent_none_and_blank(template, value):
    values = {} if value == "absent" else {"first_name": value}
    out = render(template, values)
    assert out.text == "Hi there!" and out.skip_reason is None and out.missing == ()
    assert render(template, {"first_name": "Ann"}).text == "Hi Ann!"


@pytest.mark.parametrize("value", [None, "", " \t ", "absent"])
def test_missing_field_without_fallback_skips_with_its_label(value):
    values = {"practice_name": "Bright Smiles"} if value == "absent" else {"first_name": value, "practice_name": "Bright Smiles"}
    out = render("Hi {{ first_name }}, from {{ practice_name }}", values)
    assert out.text is None
    assert out.missing == ("first_name",)
    assert out.skip_reason == "missing first name"


def test_several_missing_fields_are_all_named_once_in_order():
    out = render("{{ appointment_date }} {{ first_name }} {{ appointment_date }} {{ mystery_field }}", {})
    assert out.missing == ("appointment_date", "first_name", "mystery_field")
    assert out.skip_reason == "missing appointment date, first name, mystery field"


def test_filters_on_a_missing_field_still_count_as_missing():
    assert render("Hi {{ first_name | upper }}", {}).skip_reason == "missing first name"
    assert render("Hi {{ first_name ~ '!' }}", {}).skip_reason == "missing first name"
    assert render("Hi {{ first_name | default('there') | upper }}", {}).text == "Hi THERE"


def test_values_are_trimmed():
    assert render("Hi {{ first_name }}!", {"first_name": "  Ann "}).text == "Hi Ann!"


def test_html_mode_escapes_values_and_text_mode_does_not():
    values = {"first_name": "<b>Ann</b> & \"Bo\""}
    assert render("<p>Hi {{ first_name }}</p>", values, html=True).text == "<p>Hi &lt;b&gt;Ann&lt;/b&gt; &amp; &#34;Bo&#34;</p>"
    assert render("Hi {{ first_name }}", values).text == 'Hi <b>Ann</b> & "Bo"'
    assert render("<p>Hi {{ first_name | default('<there>') }}</p>", {}, html=True).text == "<p>Hi &lt;there&gt;</p>"


def test_html_mode_skips_on_missing_too():
    assert render("<p>Hi {{ first_name }}</p>", {}, html=True).skip_reason == "missing first name"


def test_check_template_reports_syntax_errors_with_line_numbers():
    assert check_template("Hi {{ first_name }}\nSee you {{ appointment_date }") == ["line 2: unexpected '}'"]
    problems = check_template("Hi\n\n{% if first_name %}{{ first_name }}")
    assert len(problems) == 1 and problems[0].startswith("line 3:") and "endif" in problems[0]
    assert check_template("{{ first_name | shout }}") == ["line 1: No filter named 'shout'."]


def test_check_template_suggests_the_field_for_a_typo():
    assert check_template("Hi {{ first_name }},\n{{ frist_name }}") == [
        "line 2: {{ frist_name }} is not a known field \u2014 did you mean first_name?"
    ]
    assert check_template("{{ apointment_time }}") == [
        "line 1: {{ apointment_time }} is not a known field \u2014 did you mean appointment_time?"
    ]
    (problem,) = check_template("{{ xyzzy }}")
    assert problem.startswith("line 1: {{ xyzzy }} is not a known field") and "first_name" in problem


def test_check_template_accepts_good_templates_and_local_names():
    assert check_template("Hi {{ first_name | default('there') }}, {{ practice_name }} at {{ location_phone }}") == []
    assert check_template("{% set who = preferred_name or first_name %}Hi {{ who }}") == []


@pytest.mark.parametrize("template", [
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ first_name.__class__ }}",
    "{{ first_name['__class__'] }}",
    "{{ first_name | attr('__class__') }}",
    "{{ cycler.__init__.__globals__ }}",
])
def test_sandbox_refuses_internal_attributes(template):
    with pytest.raises(TemplateProblem) as refused:
        render(template, {"first_name": "Ann"})
    assert "__" in str(refused.value) and ("not allowed" in str(refused.value) or "unsafe" in str(refused.value))
    if "attr(" not in template:  # the attr() filter's name is only known at run time
        assert any("not allowed" in p for p in check_template(template))


def test_sandbox_refuses_unsafe_calls_and_huge_values():
    with pytest.raises(TemplateProblem, match="too long"):
        render("{{ 'x' * 10000000 }}", {})
    with pytest.raises(TemplateProblem, match="Range too big"):
        render("{{ range(10000000) | list }}", {})
    with pytest.raises(TemplateProblem):
        render("{% set l = [] %}{{ l.append(1) }}", {})  # the immutable sandbox


def test_broken_templates_raise_a_template_problem_not_a_skip():
    with pytest.raises(TemplateProblem, match="line 1: unexpected '}'"):
        render("Hi {{ first_name }", {"first_name": "Ann"})
    with pytest.raises(TemplateProblem, match="no attribute 'nickname'"):
        render("Hi {{ first_name.nickname }}", {"first_name": "Ann"})
    with pytest.raises(TemplateProblem):
        render("{{ first_name + 1 }}", {"first_name": "Ann"})


def test_concurrent_renders_keep_their_own_missing_lists():
    results: dict[int, Rendered] = {}

    def work(i: int) -> None:
        for _ in range(200):
            values = {"first_name": "Ann"} if i % 2 else {}
            results[i] = render("Hi {{ first_name }} {{ practice_name | default('') }}", values)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, out in results.items():
        assert (out.text == "Hi Ann ") if i % 2 else (out.skip_reason == "missing first name")
