// leadsim workshop: shared helpers for the room's pages (no library, nothing fetched from afar).
"use strict";
const Workshop = {
  api(code, path) {
    return "/workshop/api/" + encodeURIComponent(code) + path;
  },
  // POST a JSON message; resolves to {ok, status, data}. Errors are one line: data.error.
  async send(code, path, token, body) {
    try {
      const response = await fetch(Workshop.api(code, path), {
        method: "POST",
        headers: {"Content-Type": "application/json", "X-Room-Token": token || ""},
        body: JSON.stringify(body || {}),
      });
      const data = await response.json().catch(() => ({error: "unreadable answer"}));
      return {ok: response.ok, status: response.status, data: data};
    } catch (err) {
      return {ok: false, status: 0, data: {error: "no connection to the room; trying again"}};
    }
  },
  // Follow the room: long-polls the page's view, reconnecting after a drop.
  follow(code, token, onView, onProblem) {
    let since = -1;
    let stopped = false;
    async function loop() {
      while (!stopped) {
        try {
          const response = await fetch(
            Workshop.api(code, "/state?since=" + since),
            {headers: {"X-Room-Token": token}, cache: "no-store"},
          );
          const data = await response.json();
          if (!response.ok) {
            onProblem(data.error || "refused", response.status);
            if (response.status === 403 || response.status === 404) { stopped = true; return; }
            await Workshop.sleep(1000);
            continue;
          }
          since = data.version;
          onProblem(null, 200);
          onView(data);
        } catch (err) {
          onProblem("offline: reconnecting to the room…", 0);
          await Workshop.sleep(1000);
        }
      }
    }
    loop();
    return () => { stopped = true; };
  },
  sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  },
  // A small SVG line chart of values in [0, 1]; `other` is drawn dashed (the model).
  spark(values, colour, other, width, height) {
    width = width || 160;
    height = height || 40;
    const path = (vs) => {
      if (!vs || vs.length === 0) return "";
      const n = Math.max(vs.length - 1, 1);
      return vs.map((v, i) => (i ? "L" : "M") + (i * width / n).toFixed(1) + "," +
        (height - Math.max(0, Math.min(1, v)) * height).toFixed(1)).join("");
    };
    let svg = '<svg class="spark" viewBox="0 0 ' + width + " " + height + '" width="' + width +
      '" height="' + height + '" preserveAspectRatio="none">';
    svg += '<rect x="0" y="0" width="' + width + '" height="' + height + '" fill="#f4f6f8"/>';
    if (other) svg += '<path d="' + path(other) + '" fill="none" stroke="#7f7f7f" stroke-width="1.5" stroke-dasharray="4 3"/>';
    svg += '<path d="' + path(values) + '" fill="none" stroke="' + colour + '" stroke-width="2"/>';
    return svg + "</svg>";
  },
  last(values) {
    return values && values.length ? values[values.length - 1] : null;
  },
  pct(value) {
    return value === null || value === undefined ? "–" : Math.round(value * 100) + "%";
  },
  text(element, value) {
    if (element) element.textContent = value;
  },
  escape(value) {
    return String(value).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  },
  timerText(view, fetchedAt) {
    if (view.remaining === null || view.remaining === undefined) return "";
    const left = view.phase === "open" ? view.remaining - (Date.now() - fetchedAt) / 1000 : view.remaining;
    return Math.max(0, Math.ceil(left)) + " s left" + (view.phase === "paused" ? " (paused)" : "");
  },
  phaseText(view) {
    if (view.phase === "lobby") return "Waiting for the facilitator to start";
    if (view.phase === "paused") return "Paused by the facilitator";
    if (view.phase === "ended") return "The room has ended";
    return "Term " + view.term + " is open";
  },
};
