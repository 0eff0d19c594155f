"""Reading a CSV file of new unlinked patients (domain/patient_csv.py)."""

from __future__ import annotations

import codecs
from datetime import date

import pytest

from engage_desktop.domain.patient_csv import (
    TEMPLATE_COLUMNS,
    content_key,
    parse_spreadsheet_date,
    read_patient_csv,
    template_csv,
)
from engage_desktop.domain.unlinked import UnlinkedInput, clean_unlinked

TODAY = date(2025, 6, 1)


def read(text: str, encoding: str = "utf-8", **kwargs):
    return read_patient_csv(text.encode(encoding), today=TODAY, **kwargs)


def names(result) -> list[tuple[str, str]]:
    return [(row.data.first_name, row.data.last_name) for row in result.rows]


class TestEncoding:
    @pytest.mark.parametrize(("data", "encoding"), [
        ("First name,Last name\r\nJosé,Núñez\r\n".encode(), "utf-8"),
        (codecs.BOM_UTF8 + "First name,Last name\r\nJosé,Núñez\r\n".encode(), "utf-8-sig"),
        ("First name,Last name\r\nJosé,Núñez\r\n".encode("cp1252"), "cp1252"),
        ("First name\tLast name\r\nJosé\tNúñez\r\n".encode("utf-16"), "utf-16"),
        ("First name\tLast name\r\nJosé\tNúñez\r\n".encode("utf-16-le"), "utf-16-le"),
    ])
    def test_accents_survive_every_encoding_excel_writes(self, data, encoding):
        result = read_patient_csv(data)
        assert result.encoding == encoding
        assert result.problems == ()
        assert names(result) == [("José", "Núñez")]
        assert result.columns["first_name"] == "First name"  # no BOM left on the first header

    def test_an_excel_workbook_is_refused_with_advice(self):
        result = read_patient_csv(b"PK\x03\x04\x14\x00\x06\x00")
        assert result.rows == ()
        assert "Save As" in result.problems[0]


class TestDelimitersAndQuoting:
    @pytest.mark.parametrize("delimiter", [",", ";", "\t"])
    def test_delimiter_is_read_from_the_header_line(self, delimiter):
        text = delimiter.join(["First name", "Last name", "Email"]) + "\r\n" + delimiter.join(["Ann", "Zed", "a@example.com"])
        result = read(text)
        assert result.delimiter == delimiter
        assert names(result) == [("Ann", "Zed")]
        assert result.rows[0].data.email == "a@example.com"

    def test_commas_inside_quoted_header_cells_do_not_count(self):
        result = read('"Last, or family, name";"First, given";Mobile\nZed;Ann;5035550142\n')
        assert result.delimiter == ";"

    def test_a_tie_goes_to_comma(self):
        assert read("First name,Last name;x\nAnn,Zed;y\n").delimiter == ","

    def test_excel_sep_line_names_the_delimiter(self):
        result = read("sep=;\r\nFirst name;Last name\r\nAnn;Zed\r\n")
        assert result.delimiter == ";"
        assert names(result) == [("Ann", "Zed")]
        assert result.rows[0].line == 2  # Excel hides the sep= line

    def test_quoted_cells_keep_delimiters_newlines_and_quotes(self):
        text = ('First name,Last name,Preferred name,Location\r\n'
                '"Ann, Jr",Zed,"The ""Ace""","North\r\nside"\r\n'
                'Bob,Yule,,South\r\n')
        result = read(text)
        first, second = result.rows
        assert first.data.first_name == "Ann, Jr"
        assert first.data.preferred_name == 'The "Ace"'
        assert first.location_text == "North\r\nside"
        # A cell with a line break is still one spreadsheet row.
        assert (first.line, second.line) == (2, 3)
        assert second.location_text == "South"

    def test_cells_are_stripped_and_blank_lines_skipped_but_counted(self):
        text = "First name , Last name\n\n  Ann  ,  Zed \n,\n  ,  \n\nBob,Yule\n"
        result = read(text)
        assert names(result) == [("Ann", "Zed"), ("Bob", "Yule")]
        assert [row.line for row in result.rows] == [3, 7]
        assert all(row.problems == {} for row in result.rows)

    def test_short_rows_are_padded_and_extra_cells_reported(self):
        result = read("First name,Last name,Email\nAnn,Zed\nBob,Yule,b@example.com,,\nCy,Xu,c@example.com,extra\n")
        assert [row.problems for row in result.rows[:2]] == [{}, {}]
        assert result.rows[0].raw == ("Ann", "Zed")
        assert "comma" in result.rows[2].problems["row"]


class TestHeader:
    @pytest.mark.parametrize(("header", "field"), [
        ("FIRST_NAME", "first_name"), ("first-name", "first_name"), ("Given Name", "first_name"), ("fname", "first_name"),
        ("Forename", "first_name"), ("Surname", "last_name"), ("Family name", "last_name"), ("LName", "last_name"),
        ("Nickname", "preferred_name"), ("Goes by", "preferred_name"), ("D.O.B.", "birthdate"),
        ("Date of birth", "birthdate"), ("Birthday", "birthdate"), ("Cell Phone", "mobile"), ("Wireless", "mobile"),
        ("Text number", "mobile"), ("phone", "mobile"), ("E-mail Address", "email"), ("Clinic", "location"),
        ("Office", "location"), ("Contact by", "contact_preference"), ("Preferred contact", "contact_preference"),
        ("External ID", "import_key"), ("ID", "import_key"), ("Record id", "import_key"), ("Key", "import_key"),
    ])
    def test_synonyms_in_any_case_and_punctuation(self, header, field):
        other = "Last name" if field == "first_name" else "First name"
        result = read(f"{other},{header}\nx,y\n")
        assert result.columns[field] == header

    def test_unknown_columns_are_listed_and_ignored(self):
        result = read("First name,Last name,Home phone,Notes,\nAnn,Zed,5035550100,likes mornings,\n")
        assert result.ignored_columns == ("Home phone", "Notes")
        assert result.problems == ()
        assert result.key_column_present is False

    def test_missing_name_columns_are_a_problem_and_nothing_is_read(self):
        result = read("Mobile,Email\n5035550142,a@example.com\n")
        assert result.rows == ()
        assert "First name and Last name" in result.problems[0]
        assert "Last name" in read("First name,Email\nAnn,a@example.com\n").problems[0]

    def test_two_columns_for_the_same_field_are_a_problem(self):
        result = read("First name,Last name,Mobile,Cell\nAnn,Zed,1,2\n")
        assert result.rows == ()
        assert '"Mobile" and "Cell"' in result.problems[0]

    @pytest.mark.parametrize(("header", "cells", "ignored"), [
        ("Phone,Mobile", "(503) 555-0100,(503) 555-0142", "Phone"),
        ("Mobile,Phone", "(503) 555-0142,(503) 555-0100", "Phone"),
        ("Phone number,Cell phone", "(503) 555-0100,(503) 555-0142", "Phone number"),
    ])
    def test_a_generic_phone_column_gives_way_to_the_mobile_column(self, header, cells, ignored):
        result = read(f"First name,Last name,{header}\nAnn,Zed,{cells}\n")
        assert result.problems == () and result.ignored_columns == (ignored,)
        assert result.rows[0].data.mobile == "(503) 555-0142"

    @pytest.mark.parametrize(("text", "problem"), [
        ("", "empty"), ("\r\n ,, \r\n", "empty"), ("First name,Last name\r\n\r\n", "no patients"),
    ])
    def test_empty_files(self, text, problem):
        result = read(text)
        assert result.rows == ()
        assert problem in result.problems[0]

    def test_more_than_max_rows_is_refused(self):
        text = "First name,Last name\n" + "Ann,Zed\n" * 4
        assert len(read(text, max_rows=4).rows) == 4
        result = read(text, max_rows=3)
        assert result.rows == ()
        assert "more than 3" in result.problems[0]


class TestFullName:
    @pytest.mark.parametrize(("cell", "expected"), [
        ("Zed, Ann", ("Ann", "Zed")),
        ("Ann Marie Zed", ("Ann Marie", "Zed")),
        ("De La Cruz, Ann", ("Ann", "De La Cruz")),
        ("Sam Lee Jr.", ("Sam", "Lee Jr.")),
        ("Ann", ("Ann", "")),
    ])
    def test_a_single_name_column_is_split(self, cell, expected):
        result = read(f'Full name,Mobile\n"{cell}",5035550142\n')
        assert result.problems == ()
        assert names(result) == [expected]

    def test_separate_name_columns_win_over_a_full_name(self):
        result = read("Name,First name,Last name\nAnn Zed,Bea,Yule\n")
        assert names(result) == [("Bea", "Yule")]
        assert result.ignored_columns == ("Name",)


class TestBirthdates:
    @pytest.mark.parametrize(("text", "expected"), [
        ("3/14/1985", date(1985, 3, 14)), ("03/14/1985", date(1985, 3, 14)), ("3/14/85", date(1985, 3, 14)),
        ("03-14-1985", date(1985, 3, 14)), ("1985-03-14", date(1985, 3, 14)), ("1985-03-14 00:00", date(1985, 3, 14)),
        ("1985-03-14 13:45:10", date(1985, 3, 14)), ("3/14/1985 0:00", date(1985, 3, 14)),
        ("14.3.1985", date(1985, 3, 14)), ("4.3.1985", date(1985, 3, 4)), ("Mar 14, 1985", date(1985, 3, 14)),
        ("March 14 1985", date(1985, 3, 14)), ("14-Mar-1985", date(1985, 3, 14)), ("14-Mar-85", date(1985, 3, 14)),
        ("31120", date(1985, 3, 14)), ("31120.0", date(1985, 3, 14)), ("59", date(1900, 2, 28)), ("61", date(1900, 3, 1)),
        ("3/14/25", date(2025, 3, 14)), ("3/14/26", date(1926, 3, 14)), ("1/1/00", date(2000, 1, 1)),
        ("14/3/1985", date(1985, 3, 14)),  # 14 cannot be a month, whatever the order
    ])
    def test_formats_excel_writes(self, text, expected):
        assert parse_spreadsheet_date(text, today=TODAY) == expected

    @pytest.mark.parametrize("text", ["60", "0", "60001", "123456", "1985", "2/30/1985", "13/14/1985", "Smarch 1, 1985",
                                      "soon", "31120.5"])
    def test_nonsense_is_not_a_date(self, text):
        assert parse_spreadsheet_date(text, today=TODAY) is None

    def test_day_first_decides_only_ambiguous_slash_dates(self):
        assert parse_spreadsheet_date("4/3/1985", today=TODAY) == date(1985, 4, 3)
        assert parse_spreadsheet_date("4/3/1985", day_first=True, today=TODAY) == date(1985, 3, 4)
        assert parse_spreadsheet_date("3/14/1985", day_first=True, today=TODAY) == date(1985, 3, 14)
        assert parse_spreadsheet_date("14/3/1985", day_first=False, today=TODAY) == date(1985, 3, 14)

    def test_day_first_reaches_the_rows(self):
        text = "First name,Last name,DOB\nAnn,Zed,4/3/1985\n"
        assert read(text).rows[0].data.birthdate == date(1985, 4, 3)
        assert read(text, day_first=True).rows[0].data.birthdate == date(1985, 3, 4)

    def test_an_unreadable_birthdate_is_a_row_problem_and_the_rest_is_kept(self):
        row = read("First name,Last name,Birthdate,Mobile\nAnn,Zed,sometime,5035550142\n").rows[0]
        assert row.data.birthdate is None
        assert "sometime" in row.problems["birthdate"]
        assert (row.data.first_name, row.data.mobile) == ("Ann", "5035550142")


class TestContactPreference:
    @pytest.mark.parametrize(("cell", "expected"), [
        ("Text", "text"), ("SMS", "text"), ("txt", "text"), ("mobile", "text"), ("E-mail", "email"), ("email", "email"),
        ("None", "none"), ("Do not  contact", "none"), ("no", "none"),
    ])
    def test_spellings(self, cell, expected):
        row = read(f"First name,Last name,Mobile,Email,Preference\nAnn,Zed,5035550142,a@example.com,{cell}\n").rows[0]
        assert row.data.contact_preference == expected
        assert row.problems == {}

    @pytest.mark.parametrize(("mobile", "email", "expected"), [
        ("5035550142", "", "text"), ("", "a@example.com", "email"), ("5035550142", "a@example.com", "text"), ("", "", "text"),
    ])
    def test_blank_follows_what_the_row_has(self, mobile, email, expected):
        row = read(f"First name,Last name,Mobile,Email,Contact preference\nAnn,Zed,{mobile},{email},\n").rows[0]
        assert row.data.contact_preference == expected

    def test_anything_else_is_a_problem(self):
        row = read("First name,Last name,Email,Contact preference\nAnn,Zed,a@example.com,pigeon\n").rows[0]
        assert "pigeon" in row.problems["contact_preference"]
        assert row.data.contact_preference == "email"


class TestImportKey:
    def test_key_from_the_column(self):
        result = read("First name,Last name,External ID\nAnn,Zed,A-17\nBob,Yule,\n")
        assert result.key_column_present is True
        first, second = result.rows
        assert (first.import_key, first.key_from_file) == ("A-17", True)
        assert (second.import_key, second.key_from_file) == (content_key(second.data), False)

    def test_a_key_used_twice_in_one_file_is_a_problem(self):
        result = read("First name,Last name,Key\nAnn,Zed,7\nBob,Yule,7\n")
        assert result.rows[0].problems == {}
        assert "Line 2" in result.rows[1].problems["import_key"]

    def test_content_key_ignores_spacing_case_and_how_the_phone_is_written(self):
        a = UnlinkedInput(first_name="Ann  Marie", last_name="Zed", birthdate=date(1985, 3, 14), mobile="(503) 555-0142",
                          email="Ann@Example.com")
        b = UnlinkedInput(first_name=" ann marie ", last_name="ZED", birthdate="3/14/1985", mobile="503.555.0142",
                          email="ann@example.com ")
        assert content_key(a) == content_key(b)
        assert len(content_key(a)) == 32 and int(content_key(a), 16) >= 0

    @pytest.mark.parametrize("change", [
        {"first_name": "Anna"}, {"last_name": "Zee"}, {"birthdate": date(1985, 3, 15)}, {"mobile": "5035550143"},
        {"email": "other@example.com"},
    ])
    def test_content_key_differs_for_a_different_person(self, change):
        base = dict(first_name="Ann", last_name="Zed", birthdate=date(1985, 3, 14), mobile="5035550142", email="a@example.com")
        assert content_key(UnlinkedInput(**base)) != content_key(UnlinkedInput(**{**base, **change}))

    def test_the_same_file_read_twice_gives_the_same_keys(self):
        text = "Last name,First name,DOB\nZed,Ann,3/14/1985\nYule,Bob,\n"
        assert [r.import_key for r in read(text).rows] == [r.import_key for r in read(text).rows]
        assert len({r.import_key for r in read(text).rows}) == 2


class TestTemplate:
    def test_template_is_excel_friendly(self):
        data = template_csv()
        assert data.startswith(codecs.BOM_UTF8)
        lines = data[3:].decode().split("\r\n")
        assert lines[0] == ",".join(TEMPLATE_COLUMNS)
        assert lines[2] == ""  # CRLF after the last row too

    def test_template_round_trips_without_problems(self):
        result = read_patient_csv(template_csv())
        assert result.problems == () and result.ignored_columns == ()
        assert set(result.columns.values()) == set(TEMPLATE_COLUMNS)
        (row,) = result.rows
        assert row.problems == {}
        assert row.data.birthdate == date(1985, 3, 14)
        assert row.key_from_file is True
        cleaned, problems = clean_unlinked(row.data)
        assert problems == {} and cleaned is not None


def test_fifty_thousand_rows_are_read():
    lines = ["First name,Last name,Birthdate,Mobile,Email,Location,Contact preference"]
    lines += [f"Given{i},Family{i},{1 + i % 12}/{1 + i % 28}/19{50 + i % 50},(503) 555-{i % 10000:04d},p{i}@example.com,Main,text"
              for i in range(50_000)]
    result = read_patient_csv(("\r\n".join(lines) + "\r\n").encode(), today=TODAY)
    assert result.problems == ()
    assert len(result.rows) == 50_000
    assert result.rows[-1].line == 50_001
    assert not any(row.problems for row in result.rows)
    assert len({row.import_key for row in result.rows}) == 50_000
