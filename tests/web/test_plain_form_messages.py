"""Form errors in plain words, counted for the person, in their language: never WTForms' own
"Field must be between 10 and 200 characters long."."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

# Pages rendered and checked the same whatever the database: run once, on SQLite (Makefile, test-postgres).
pytestmark = pytest.mark.db_independent


@pytest.fixture
def form_class(app):
    from flask_wtf import FlaskForm
    from wtforms import IntegerField, StringField

    from deliberate.forms import DataRequired, Length, NumberRange

    class Sample(FlaskForm):
        class Meta:
            csrf = False

        name = StringField("Name", validators=[DataRequired(), Length(min=10, max=20)])
        short = StringField("Short", validators=[Length(max=3)])
        count = IntegerField("Count", validators=[NumberRange(min=1, max=5)])

    return Sample


@pytest.mark.parametrize("data,field,message", [
    ({"name": "abc"}, "name", "Write at least 10 characters: this has 3."),
    ({"name": "x" * 25}, "name", "Write at most 20 characters: this has 25."),
    ({"name": "   "}, "name", "Please fill this in."),
    ({"name": "long enough", "short": "abcd"}, "short", "Write at most 3 characters: this has 4."),
    ({"name": "long enough", "count": "9"}, "count", "Give a number from 1 to 5."),
])
def test_messages_are_plain(app, form_class, data, field, message):
    with app.test_request_context("/"):
        form = form_class(formdata=MultiDict({"count": "2", **data}))
        assert not form.validate()
        assert getattr(form, field).errors == [message]


def test_no_form_of_the_site_uses_wtforms_own_wording():
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2] / "deliberate"
    for path in root.rglob("*.py"):
        text = path.read_text()
        imported = re.search(r"^from wtforms\.validators import (.*)$", text, re.M)
        if imported:
            assert not {"DataRequired", "Length", "NumberRange", "InputRequired"} & {n.strip() for n in imported.group(1).split(",")}, \
                f"{path}: use deliberate.forms' validators, which speak plainly"


def test_the_sign_up_password_rule_reads_plainly(client):
    page = client.post("/signin", data={"email": "", "password": ""}).get_data(as_text=True)
    assert "Field must" not in page and "This field is required" not in page
