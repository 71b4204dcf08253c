"""The page at ``/``: paste an article, see its matches (calls ``POST /v1/match``).

One self-contained document: no external assets, no requests but the one to the API.
Everything the page inserts goes through ``textContent``, never ``innerHTML``. Spans
from the API count code points, so the script slices ``Array.from(text)``, not the
UTF-16 string.
"""

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>redite: find where an article's text appeared before</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto;
         padding: 0 1rem; color: #1b1b1b; background: #fff; }
  textarea { width: 100%; box-sizing: border-box; font: inherit; padding: .5rem; }
  button { font: inherit; padding: .4rem 1.2rem; margin-top: .5rem; }
  .match, .repeats { border: 1px solid #ccc; border-radius: 4px; padding: .5rem 1rem;
                     margin: 1rem 0; }
  .facts { margin: 0; color: #444; }
  blockquote { margin: .5rem 0; padding: .25rem .75rem; border-left: 4px solid #888;
               background: #f4f4f4; white-space: pre-wrap; }
  .error { border-left: 4px solid #b00020; padding: .5rem 1rem; background: #fdecee; }
  .muted { color: #555; }
</style>
</head>
<body>
<h1>redite</h1>
<p>Paste the text of an article to see which indexed articles share passages with it,
and which parts of it repeat. Nothing is stored. The API is described in
<a href="/openapi.json">/openapi.json</a>.</p>
<form id="form">
  <label for="text">Article text</label>
  <textarea id="text" name="text" rows="14" required></textarea>
  <button id="submit" type="submit">Find matches</button>
</form>
<section id="results" aria-live="polite"></section>
<script>
"use strict";
const form = document.getElementById("form");
const button = document.getElementById("submit");
const results = document.getElementById("results");

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function percent(value) {
  return (100 * value).toFixed(1) + " %";
}

// Spans count code points (Python string offsets); Array.from splits by code point.
function quote(points, span) {
  const end = Math.min(span[1], span[0] + 600);
  const text = points.slice(span[0], end).join("");
  return element("blockquote", end < span[1] ? text + " \\u2026" : text);
}

function showMatch(match, points) {
  const box = element("article", undefined, "match");
  const heading = element("h3");
  const link = element("a", match.id);
  link.href = "/v1/articles/" + encodeURIComponent(match.id);
  heading.append(match.kind + ": ", link);
  box.append(heading);
  const facts = [
    "score " + percent(match.score),
    "covers " + percent(match.query_coverage) + " of your text",
    percent(match.match_coverage) + " of the indexed article",
  ];
  if (match.source) facts.push("source " + match.source);
  if (match.published_at) facts.push("published " + match.published_at);
  if (match.original) facts.push("the earlier of the two");
  box.append(element("p", facts.join(" \\u00b7 "), "facts"));
  for (const passage of match.passages) {
    box.append(element("p",
      "Your characters " + passage.query_span.join("\\u2013") + " match characters " +
      passage.match_span.join("\\u2013") + " of " + match.id +
      " (similarity " + percent(passage.similarity) + "):", "muted"));
    box.append(quote(points, passage.query_span));
  }
  return box;
}

function showRepeats(repeats, points) {
  const box = element("section", undefined, "repeats");
  box.append(element("h2", "Repeats inside your text"));
  box.append(element("p", percent(repeats.fraction) + " of the text repeats earlier text."));
  for (const span of repeats.spans) {
    box.append(element("p", "Characters " + span.repeat.join("\\u2013") +
      " repeat characters " + span.first.join("\\u2013") + ":", "muted"));
    box.append(quote(points, span.repeat));
  }
  return box;
}

function showReport(report, text) {
  const points = Array.from(text);
  const count = report.matches.length;
  results.append(element("h2", count === 0 ? "No matches" :
    count === 1 ? "1 match" : count + " matches"));
  for (const match of report.matches) results.append(showMatch(match, points));
  if (report.internal_repeats.spans.length > 0) {
    results.append(showRepeats(report.internal_repeats, points));
  }
}

function showError(message) {
  const box = element("div", undefined, "error");
  box.setAttribute("role", "alert");
  box.append(element("strong", "Error: "), document.createTextNode(message));
  results.append(box);
}

async function problemText(response) {
  try {
    const body = await response.json();
    if (body && body.detail) return body.detail + " (" + response.status + ")";
  } catch (ignored) {
    // not JSON: fall through to the status line
  }
  return response.status + " " + response.statusText;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = document.getElementById("text").value;
  results.replaceChildren(element("p", "Matching\\u2026", "muted"));
  button.disabled = true;
  try {
    const response = await fetch("/v1/match", {
      method: "POST",
      headers: {"Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify({text: text}),
    });
    results.replaceChildren();
    if (response.ok) {
      showReport(await response.json(), text);
    } else {
      showError(await problemText(response));
    }
  } catch (error) {
    results.replaceChildren();
    showError("the service could not be reached: " + error.message);
  } finally {
    button.disabled = false;
  }
});
</script>
</body>
</html>
"""
