import json
import os
from datetime import UTC, datetime

import pytest

from service.readers import InputError, Location, read_file, read_inputs
from tests.service import write

STORY = (
    "The city council voted on Tuesday to approve the new budget after a long debate "
    "about schools and roads."
)
PAGE = f"""<html><head><title>Budget</title></head><body>
<nav>Home | News | Sport</nav>
<article><h1>Council approves budget</h1><p>{STORY}</p>
<p>Mayor Smith said the decision was historic for the town and its families.</p></article>
<div class="comments"><p>A reader wrote: {STORY}</p></div>
<footer>Copyright Example News</footer></body></html>"""


def line(**fields: object) -> str:
    return json.dumps(fields) + "\n"


def read_error(*paths: str) -> str:
    with pytest.raises(InputError) as caught:
        read_inputs(paths)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_txt_is_one_article_with_the_path_as_id_and_the_text_as_stored() -> None:
    text = "Line one\r\nLine two\x00 with a NUL\n"
    write("news/a.txt", text)
    [item] = read_inputs(["news/a.txt"])
    assert item.article.id == "news/a.txt"
    assert item.article.text == text
    assert item.location == Location("news/a.txt")


def test_a_utf8_byte_order_mark_is_dropped() -> None:
    write("bom.txt", b"\xef\xbb\xbfHello")
    write("bom.jsonl", b"\xef\xbb\xbf" + line(id="x", text="Hi").encode())
    texts = [item.article.text for item in read_inputs(["bom.txt", "bom.jsonl"])]
    assert texts == ["Hello", "Hi"]


@pytest.mark.parametrize("content", ["", "  \n\t \n"])
def test_empty_or_blank_files_are_articles_with_no_text(content: str) -> None:
    write("empty.txt", content)
    write("empty.html", content)
    items = read_inputs(["empty.txt", "empty.html"])
    assert [item.article.text for item in items] == [content, ""]


def test_html_gives_the_main_text_with_reader_comments() -> None:
    write("page.HTML", PAGE)
    [item] = read_inputs(["page.HTML"])
    assert item.article.id == "page.HTML"
    assert "Mayor Smith said" in item.article.text
    assert f"A reader wrote: {STORY}" in item.article.text
    assert "Copyright" not in item.article.text


def test_html_with_a_body_printed_twice_keeps_both_copies() -> None:
    body = "".join(f"<p>Paragraph {n}: {STORY}</p>" for n in range(3))
    write("twice.htm", f"<html><body><article>{body}{body}</article></body></html>")
    [item] = read_inputs(["twice.htm"])
    assert item.article.text.count("Paragraph 0:") == 2


def test_html_without_main_text_is_an_error() -> None:
    write("nothing.html", "<html><body></body></html>")
    assert read_error("nothing.html") == (
        "nothing.html: no main text found in the HTML; "
        "give the text itself (a .txt file, or 'text' in JSONL)"
    )


def test_jsonl_reads_every_field_and_skips_blank_lines() -> None:
    write(
        "wire.jsonl",
        line(
            id="ap-1",
            text=STORY,
            source="AP",
            url="https://example.org/1",
            published_at="2015-10-07T04:59:00Z",
            title="Budget",
            metadata={"desk": "city"},
            extra="ignored",
        )
        + "\n   \n"
        + line(id="ap-2", text="Second", source=None, published_at=None),
    )
    first, second = read_inputs(["wire.jsonl"])
    assert first.location == Location("wire.jsonl", 1)
    assert first.article.id == "ap-1"
    assert first.article.text == STORY
    assert first.article.source == "AP"
    assert first.article.url == "https://example.org/1"
    assert first.article.published_at == datetime(2015, 10, 7, 4, 59, tzinfo=UTC)
    assert first.article.title == "Budget"
    assert first.article.metadata == {"desk": "city"}
    assert second.location == Location("wire.jsonl", 4)
    assert second.article.source is None
    assert second.article.published_at is None


def test_jsonl_html_field_is_extracted_and_text_wins_over_html() -> None:
    write("pages.jsonl", line(id="p", html=PAGE) + line(id="both", text="Plain", html=PAGE))
    page, both = read_inputs(["pages.jsonl"])
    assert "Mayor Smith said" in page.article.text
    assert both.article.text == "Plain"


def test_jsonl_html_without_main_text_names_the_line_and_field() -> None:
    write("pages.jsonl", line(id="p", html="<html><body></body></html>"))
    assert read_error("pages.jsonl").startswith(
        "pages.jsonl:1: no main text found in the HTML of field 'html';"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": "a", "text": ', "x.jsonl:2: not valid JSON: Expecting value at column 21"),
        ("[1, 2]", "x.jsonl:2: expected a JSON object per line"),
        ('"text"', "x.jsonl:2: expected a JSON object per line"),
        ("1" * 5000, "x.jsonl:2: not valid JSON:"),
        ("[" * 100_000, "x.jsonl:2: not valid JSON:"),
        ('{"text": "t"}', "x.jsonl:2: missing field 'id'"),
        ('{"id": "a"}', "x.jsonl:2: missing field 'text' (or 'html')"),
        ('{"id": "a", "text": null}', "x.jsonl:2: missing field 'text' (or 'html')"),
        ('{"id": 7, "text": "t"}', "x.jsonl:2: field 'id' must be a string, got a number"),
        ('{"id": "", "text": "t"}', "x.jsonl:2: field 'id' must not be empty"),
        ('{"id": "a", "text": ["t"]}', "x.jsonl:2: field 'text' must be a string, got an array"),
        ('{"id": "a", "html": {}}', "x.jsonl:2: field 'html' must be a string, got an object"),
        ('{"id": "a", "text": "t", "source": 1}', "x.jsonl:2: field 'source' must be a string"),
        ('{"id": "a", "text": "t", "url": true}', "x.jsonl:2: field 'url' must be a string"),
        ('{"id": "a", "text": "t", "title": [1]}', "x.jsonl:2: field 'title' must be a string"),
        (
            '{"id": "a", "text": "t", "metadata": [1]}',
            "x.jsonl:2: field 'metadata' must be a JSON object, got an array",
        ),
        (
            '{"id": "a", "text": "t", "published_at": "yesterday"}',
            "x.jsonl:2: field 'published_at' is not an RFC 3339 timestamp: 'yesterday'",
        ),
        (
            '{"id": "a", "text": "t", "published_at": "2015-10-07T04:59:00"}',
            "x.jsonl:2: field 'published_at' needs a time zone offset",
        ),
        (
            '{"id": "a", "text": "t", "published_at": 1444193940}',
            "x.jsonl:2: field 'published_at' must be an RFC 3339 string, got int",
        ),
        (
            '{"id": "a", "text": "ok \\ud800 no"}',
            "x.jsonl:2: field 'text' holds a lone surrogate (\\ud800) at character 3",
        ),
    ],
)
def test_bad_jsonl_lines_name_the_file_line_and_field(content: str, message: str) -> None:
    write("x.jsonl", line(id="fine", text="fine") + content + "\n")
    assert read_error("x.jsonl").startswith(message)


def test_missing_file() -> None:
    assert read_error("nope.txt") == "nope.txt: no such file"


def test_empty_file_name() -> None:
    assert read_error("") == "an empty file name was given"


def test_directory() -> None:
    os.mkdir("corpus")
    assert read_error("corpus") == (
        "corpus: is a directory; give the files inside it instead (for example corpus/*.txt)"
    )


@pytest.mark.parametrize("name", ["notes.md", "README", "data.jsonl.gz"])
def test_unknown_extension(name: str) -> None:
    write(name, "text")
    message = read_error(name)
    assert message.startswith(f"{name}: cannot tell the format from ")
    assert message.endswith("redite check reads .txt, .html (.htm) and .jsonl files")


def test_invalid_utf8_gives_the_byte_offset() -> None:
    write("latin1.txt", "café".encode("latin-1"))
    assert read_error("latin1.txt") == (
        "latin1.txt: not valid UTF-8 at byte offset 3 (byte 0xe9); "
        "convert the file to UTF-8 (for example: iconv -f latin1 -t utf-8)"
    )


def test_invalid_utf8_in_jsonl_gives_the_line_and_the_byte_offset_in_the_file() -> None:
    first = line(id="a", text="fine").encode()
    write("x.jsonl", first + b'{"id": "b", "text": "caf\xe9"}\n')
    assert read_error("x.jsonl").startswith(
        f"x.jsonl:2: not valid UTF-8 at byte offset {len(first) + 24} (byte 0xe9)"
    )


def test_duplicate_ids_name_both_places() -> None:
    write("a.jsonl", line(id="one", text="x") + line(id="a.txt", text="y"))
    write("a.txt", "z")
    assert read_error("a.jsonl", "a.txt") == (
        "a.txt: duplicate id 'a.txt', already used by a.jsonl:2; "
        "ids must be unique across all inputs"
    )
    write("b.jsonl", line(id="one", text="x") + line(id="one", text="y"))
    assert read_error("b.jsonl").startswith(
        "b.jsonl:2: duplicate id 'one', already used by b.jsonl:1"
    )


def test_the_same_file_twice_is_an_error() -> None:
    write("a.txt", "z")
    assert read_error("a.txt", "a.txt") == "a.txt: given twice; give each file once"
    assert read_error("a.txt", "./a.txt") == "./a.txt: the same file as a.txt; give each file once"


def test_a_10_mb_text_file_and_a_200k_character_line() -> None:
    paragraph = STORY + "\n\n"
    big = paragraph * (10_000_000 // len(paragraph) + 1)
    write("big.txt", big)
    long_text = ("word " * 40_000)[:200_000]
    write("long.jsonl", line(id="long", text=long_text) * 50)  # a 10 MB JSONL file
    [text] = read_file("big.txt")
    assert len(text.article.text) == len(big)
    longs = list(read_file("long.jsonl"))
    assert len(longs) == 50
    assert all(len(item.article.text) == 200_000 for item in longs[:1])
