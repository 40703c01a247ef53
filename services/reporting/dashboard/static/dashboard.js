// The NSCL dashboard: renders what the reporting API answers for the signed-in token.
// Every label comes from the catalogue embedded in the page, through t(); this file holds no text people read.
(() => {
  "use strict";

  const CATALOGUE = JSON.parse(document.getElementById("catalogue").textContent);
  const CONFIG = JSON.parse(document.getElementById("config").textContent);
  const TOKEN_KEY = "nscl_token";
  const PROVINCE_UTC_OFFSET_HOURS = 7; // Asia/Ho_Chi_Minh, no daylight saving
  const SVG_NS = "http://www.w3.org/2000/svg";
  const LOCALE = CONFIG.lang === "vi" ? "vi-VN" : "en-GB";
  const NUMBER = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 1 });
  const INSTANT = new Intl.DateTimeFormat(LOCALE, {
    dateStyle: "short", timeStyle: "short", timeZone: "Asia/Ho_Chi_Minh" });

  // ---- labels ----------------------------------------------------------------------------------------
  function t(key, params) {
    let text = CATALOGUE[key];
    if (text === undefined) {
      console.error("missing label", key);
      return key;
    }
    for (const [name, value] of Object.entries(params || {})) text = text.split("{" + name + "}").join(value);
    return text;
  }
  // The API's own labels: name / name_en, title / title_en, label / label_en.
  const pick = (item, field) => (CONFIG.lang !== "vi" && item[field + "_en"]) || item[field] || "";

  // ---- DOM helpers -----------------------------------------------------------------------------------
  function build(element, attrs, children) {
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
      else if (name === "class") element.setAttribute("class", value);
      else element.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      element.append(child instanceof Node ? child : String(child));
    }
    return element;
  }
  const h = (tag, attrs, ...children) => build(document.createElement(tag), attrs, children);
  const s = (tag, attrs, ...children) => build(document.createElementNS(SVG_NS, tag), attrs, children);
  const $ = (id) => document.getElementById(id);

  const number = (value) => (value === null || value === undefined ? "\u2013" : NUMBER.format(value));
  const percent = (value) => (value === null || value === undefined ? "\u2013" : NUMBER.format(value) + "%");
  function instant(value) {
    if (!value) return "\u2013";
    const parsed = new Date(value);
    return isNaN(parsed) ? String(value) : INSTANT.format(parsed);
  }
  function day(value) {
    if (!value) return "\u2013";
    const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
    if (!match) return String(value);
    return CONFIG.lang === "vi" ? `${match[3]}/${match[2]}/${match[1]}` : match[0];
  }

  // ---- sign-in ---------------------------------------------------------------------------------------
  function takeTokenFromFragment() {
    const match = /^#token=(.+)$/.exec(location.hash);
    if (!match) return;
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]).trim());
    history.replaceState(history.state, "", location.pathname + location.search);
  }
  const token = () => sessionStorage.getItem(TOKEN_KEY);
  function claims() {
    try {
      const part = token().split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      const bytes = Uint8Array.from(atob(part), (ch) => ch.charCodeAt(0));
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      return null;
    }
  }
  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn(message);
  }
  function showSignIn(message) {
    $("signin").hidden = false;
    $("filters").hidden = true;
    $("signout").hidden = true;
    $("nav").replaceChildren();
    $("who").textContent = "";
    $("content").replaceChildren();
    setStatus(message || "", Boolean(message));
  }
  $("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("signin-token").value.trim();
    if (!value) return;
    sessionStorage.setItem(TOKEN_KEY, value);
    $("signin-token").value = "";
    start();
  });
  $("signout").addEventListener("click", () => signOut());
  $("lang").addEventListener("click", (event) => {
    const language = event.currentTarget.dataset.lang;
    document.cookie = `${CONFIG.languageCookie}=${language}; path=/; max-age=31536000; SameSite=Lax`;
    location.reload();
  });

  // ---- the API ---------------------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.title)) || t("error.http", { status }));
      this.status = status;
      this.problem = problem || {};
    }
  }
  async function request(path, params, options) {
    const url = new URL(CONFIG.api + path, location.origin);
    for (const [name, value] of Object.entries(params || {})) if (value) url.searchParams.set(name, value);
    const response = await fetch(url, {
      ...(options || {}),
      headers: { Authorization: "Bearer " + token(), Accept: "application/json",
                 ...((options && options.headers) || {}) } });
    if (response.status === 401) {
      signOut(t("signin.rejected"));
      throw new ApiError(401, null);
    }
    if (!response.ok) {
      let problem = null;
      try { problem = await response.json(); } catch (error) { problem = null; }
      throw new ApiError(response.status, problem);
    }
    return response;
  }
  const api = async (path, params) => (await request(path, params)).json();

  async function download(path, params, fallbackName) {
    setStatus(t("status.preparing"));
    try {
      const response = await request(path, params);
      const disposition = response.headers.get("Content-Disposition") || "";
      const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
      const link = h("a", { href: URL.createObjectURL(await response.blob()),
                            download: match ? decodeURIComponent(match[1]) : fallbackName });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 60000);
      setStatus("");
    } catch (error) {
      showError(error);
    }
  }
  async function openPrintable(path) {
    // Opened during the click, so no popup blocker stops it; filled once the API has answered.
    const target = window.open("", "_blank");
    setStatus(t("status.preparing"));
    try {
      const html = await (await request(path, { lang: CONFIG.lang }, { headers: { Accept: "text/html" } })).blob();
      target.location.href = URL.createObjectURL(new Blob([html], { type: "text/html" }));
      setStatus("");
    } catch (error) {
      if (target) target.close();
      showError(error);
    }
  }

  // ---- filters (kept in the address bar, so a link shows the same figures) -----------------------------
  function filters() {
    const query = new URLSearchParams(location.search);
    return { period: query.get("period") || CONFIG.defaultPeriod, as_of: query.get("as_of") || "",
             unit: query.get("unit") || "", structure: query.get("structure") || "period" };
  }
  // A date in the picker means "as the system knew it at the end of that day" in the province.
  function asOfInstant(date) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date || "");
    if (!match) return "";
    const endOfDay = Date.UTC(+match[1], +match[2] - 1, +match[3] + 1) - PROVINCE_UTC_OFFSET_HOURS * 3600e3 - 1e3;
    return new Date(endOfDay).toISOString().replace(/\.\d{3}Z$/, "Z");
  }
  function apiFilters() {
    const current = filters();
    return { period: current.period, as_of: asOfInstant(current.as_of), unit: current.unit,
             structure: current.structure };
  }
  function href(path, keepFilters = true) {
    const query = keepFilters ? location.search : "";
    return CONFIG.base + path + query;
  }
  function setFilter(name, value) {
    const query = new URLSearchParams(location.search);
    if (value) query.set(name, value); else query.delete(name);
    if (name === "structure" || name === "period") query.delete("unit");
    history.pushState(null, "", location.pathname + (query.toString() ? "?" + query : ""));
    render();
  }
  function periodOptions() {
    const options = [...CONFIG.phases];
    for (let year = CONFIG.firstYear; year <= CONFIG.currentYear; year++) options.push(String(year));
    return options;
  }
  function setUpFilters() {
    const select = $("f-period");
    select.replaceChildren(...periodOptions().map((period) => h("option", { value: period }, period)));
    select.addEventListener("change", () => setFilter("period", select.value));
    $("f-as-of").max = CONFIG.today;
    $("f-as-of").addEventListener("change", (event) => setFilter("as_of", event.target.value));
    $("f-unit").addEventListener("change", (event) => setFilter("unit", event.target.value));
    $("f-structure").addEventListener("change", (event) => setFilter("structure", event.target.value));
  }
  let unitsLoadedFor = null;
  async function showFilters(exportsPath, byUnit = true) {
    const current = filters();
    $("filters").hidden = false;
    $("f-period").value = current.period;
    $("f-as-of").value = current.as_of;
    $("f-structure").value = current.structure;
    for (const id of ["f-unit", "f-structure"]) $(id).closest("label").hidden = !byUnit;
    $("exports").replaceChildren(...(exportsPath ? exportButtons(exportsPath) : []));
    // Units as they were in the period (its first day), or as they are today.
    const on = current.structure === "current" ? CONFIG.today : periodStart(current.period);
    if (unitsLoadedFor !== on) {
      unitsLoadedFor = on;
      try {
        const units = await api("/units", { on });
        $("f-unit").replaceChildren(h("option", { value: "" }, t("filter.whole_province")),
          ...units.filter((unit) => unit.status !== "abolished")
            .map((unit) => h("option", { value: unit.code }, `${unit.name} (${unit.code})`)));
      } catch (error) {
        unitsLoadedFor = null;
      }
    }
    $("f-unit").value = current.unit;
  }
  const periodStart = (period) => period.slice(0, 4) + "-01-01";
  function exportButtons(path, params = apiFilters, label = () => filters().period) {
    const stem = path.split("/").pop();
    return [h("span", { class: "muted" }, t("export.label")),
      ...["csv", "xlsx"].map((format) => h("button", {
        type: "button", class: "small", "data-export": format,
        onclick: () => download(`/exports/${path}.${format}`, { ...params(), lang: CONFIG.lang },
                                `${stem}-${label()}.${format}`) }, format.toUpperCase()))];
  }

  // ---- page frame ------------------------------------------------------------------------------------
  let renderCount = 0;
  function setStatus(message, isError) {
    $("status").textContent = message;
    $("status").className = isError ? "status error" : "status";
  }
  function showError(error) {
    const problem = error.problem || {};
    setStatus([problem.title, error.message].filter(Boolean).join(": "), true);
  }
  function navLink(path, label, attrs) {
    return h("a", { href: href(path), "data-nav": path, ...(attrs || {}) }, label);
  }
  async function buildNav() {
    const who = claims();
    $("who").textContent = who ? t("signin.who", { department: who.dept, role: t("role." + who.role) }) : "";
    const links = [navLink("overview", t("nav.overview"))];
    try {
      const views = await api("/views");
      if (views.length === 1) {
        links.push(navLink("views/" + views[0].code, pick(views[0], "name"), { "data-view": views[0].code }));
      } else if (views.length > 1) {
        links.push(viewPicker(views));
      }
    } catch (error) {
      if (error.status === 401) return;
    }
    if (seesPlan(who)) links.push(navLink("plan", t("nav.plan")));
    links.push(navLink("reports", t("nav.reports")));
    if (who && (who.role === "auditor" || who.role === "admin")) links.push(navLink("audit", t("nav.audit")));
    if (CONFIG.devTokens) links.push(h("a", { href: "/dashboard/dev-tokens" }, t("devtokens.link")));
    $("nav").replaceChildren(...links);
    markNav();
  }
  // As services/reporting/plans_view.py authorises: the plan's makers and appraisers, auditors and admins.
  const seesPlan = (who) => Boolean(who && (["DOST", "DOF"].includes(who.dept) || ["auditor", "admin"].includes(who.role)));
  // Many views (every department and unit for DOST): one picker instead of a link each.
  function viewPicker(views) {
    const picker = h("select", { id: "view-picker", "aria-label": t("nav.views"), onchange: (event) => {
      if (!event.target.value) return;
      history.pushState(null, "", href("views/" + event.target.value));
      render();
    } }, h("option", { value: "" }, t("nav.views")),
    views.map((view) => h("option", { value: view.code }, `${view.code} \u2013 ${pick(view, "name")}`)));
    return picker;
  }
  function markNav() {
    const current = routePath();
    const picker = $("view-picker");
    if (picker) picker.value = current.startsWith("views/") ? current.slice(6) : "";
    for (const link of $("nav").querySelectorAll("a[data-nav]")) {
      const path = link.dataset.nav;
      link.classList.toggle("active", current === path || current.startsWith(path + "/"));
      link.href = href(path);
    }
  }
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-nav]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    history.pushState(null, "", link.href);
    render();
  });
  window.addEventListener("popstate", () => render());

  function routePath() {
    const path = location.pathname;
    return path.startsWith(CONFIG.base) ? decodeURIComponent(path.slice(CONFIG.base.length)).replace(/\/$/, "") : "";
  }
  const ROUTES = [
    [/^$/, home], [/^overview$/, overview], [/^views\/([^/]+)$/, departmentView],
    [/^indicators\/([^/]+)$/, indicatorDetail], [/^history\/(.+)$/, streamHistory],
    [/^reports$/, reportList], [/^reports\/([^/]+)$/, reportDetail], [/^audit$/, auditPage], [/^plan$/, planPage],
  ];
  async function render() {
    if (!token()) return showSignIn();
    const count = ++renderCount;
    const path = routePath();
    const match = ROUTES.map(([pattern, view]) => [pattern.exec(path), view]).find(([found]) => found);
    const [view, args] = match ? [match[1], match[0].slice(1)] : [notFound, []];
    markNav();
    $("filters").hidden = true;
    setStatus(t("status.loading"));
    document.body.dataset.loading = "true";
    try {
      const nodes = await view(...args);
      if (count !== renderCount) return;
      $("content").replaceChildren(...[nodes].flat(Infinity).filter((node) => node !== null && node !== undefined));
      setStatus("");
      performance.mark("nscl-rendered"); // read by bench/dashboard_bench.py
    } catch (error) {
      if (count !== renderCount) return;
      $("content").replaceChildren();
      showError(error);
    } finally {
      if (count === renderCount) delete document.body.dataset.loading;
    }
  }
  function start() {
    if (!token()) return showSignIn();
    $("signin").hidden = true;
    $("signout").hidden = false;
    buildNav();
    render();
  }

  // ---- views -----------------------------------------------------------------------------------------
  async function home() {
    let views = [];
    try {
      views = await api("/views");
    } catch (error) {
      if (error.status === 401) throw error;
    }
    const target = views.some((view) => view.code === "DOST") || views.length === 0
      ? "overview" : "views/" + views[0].code;
    history.replaceState(null, "", href(target));
    return overviewOrView(target);
  }
  const overviewOrView = (target) => (target === "overview" ? overview() : departmentView(target.split("/")[1]));
  function notFound() {
    return h("p", { class: "panel" }, t("error.not_found"));
  }

  function asOfLine(answer) {
    const parts = [t("asof.line", { period: answer.period, as_of: instant(answer.as_of) })];
    if (answer.complete === false) parts.push(t("asof.incomplete"));
    return h("p", { class: "muted", "data-as-of": answer.as_of }, parts.join(" "));
  }

  async function overview() {
    showFilters("indicators");
    // The cards need the figures, not who was counted (the drill-down lists them): the kept counts answer.
    const answer = await api("/indicators", { ...apiFilters(), contributors: "false" });
    return [h("h1", {}, t("overview.title")), asOfLine(answer),
            h("div", { class: "cards" }, answer.items.map((item) => indicatorCard(item, true)))];
  }

  function targetText(item) {
    if (item.target_min === null || item.target_min === undefined) return t("target.none");
    if (item.target_max !== null && item.target_max !== undefined && item.target_max !== item.target_min) {
      return t("target.range", { min: number(item.target_min), max: number(item.target_max) });
    }
    return t("target.min", { min: number(item.target_min) });
  }
  function indicatorCard(item, withChart) {
    return h("article", { class: "card status-" + item.status, "data-code": item.code },
      h("header", {},
        h("span", { class: "code" }, item.code),
        h("a", { href: href("indicators/" + item.code), "data-nav": "indicators/" + item.code, class: "name" },
          pick(item, "name"))),
      h("div", { class: "figure" },
        h("span", { class: "value", "data-value": item.value }, number(item.value)),
        h("span", { class: "unit" }, item.unit_label)),
      h("dl", { class: "facts" },
        h("dt", {}, t("card.target")), h("dd", { class: "target" }, targetText(item)),
        h("dt", {}, t("card.percent")), h("dd", { class: "percent" }, percent(item.percent_achieved)),
        h("dt", {}, t("card.expected")), h("dd", {}, item.expected_to_date === null ? "\u2013"
          : number(item.expected_to_date))),
      h("span", { class: "badge", "data-status": item.status }, t("status." + item.status)),
      withChart ? indicatorChart(item) : null,
      item.baseline ? h("p", { class: "baseline" }, h("b", {}, t("card.baseline", {
        period: item.baseline.period, value: number(item.baseline.value) })),
        item.baseline.note ? [h("br"), item.baseline.note] : null) : null);
  }

  // A chart per indicator: the value of each year (bars), the running total (line), the target (dashed)
  // and the pro-rata expectation (dotted) from nothing at the start of the period to the target at its end.
  function indicatorChart(item) {
    const years = item.by_year || [];
    if (!years.length) return null;
    const width = 320, height = 150, left = 34, right = 8, top = 10, bottom = 22;
    const perYearTargets = years.some((year) => year.target_min !== null && year.target_min !== undefined);
    let running = 0;
    const cumulative = years.map((year) => (running += year.value));
    const target = perYearTargets ? null : item.target_min;
    const ceiling = Math.max(1, ...years.map((year) => year.value), ...(perYearTargets ? [] : cumulative),
      ...years.map((year) => year.target_min || 0), target || 0, (!perYearTargets && item.target_max) || 0) * 1.1;
    const slot = (width - left - right) / years.length;
    const x = (index) => left + slot * index + slot / 2;
    const endOf = (index) => left + slot * (index + 1); // the running total counts to the end of each year
    const y = (value) => top + (height - top - bottom) * (1 - value / ceiling);
    const parts = [
      s("title", {}, t("chart.title", { code: item.code })),
      s("line", { x1: left, x2: width - right, y1: y(0), y2: y(0), class: "axis" }),
      s("text", { x: left - 4, y: y(0) + 4, class: "tick", "text-anchor": "end" }, "0"),
      s("text", { x: left - 4, y: y(ceiling / 1.1) + 4, class: "tick", "text-anchor": "end" },
        number(Math.round(ceiling / 1.1))),
    ];
    years.forEach((year, index) => {
      const barWidth = Math.max(4, slot * 0.5);
      parts.push(s("rect", { x: x(index) - barWidth / 2, y: y(year.value), width: barWidth,
                             height: Math.max(0, y(0) - y(year.value)), class: "bar", "data-year": year.year },
        s("title", {}, `${year.year}: ${number(year.value)}`)));
      parts.push(s("text", { x: x(index), y: height - 6, class: "tick", "text-anchor": "middle" },
        String(year.year)));
      if (perYearTargets && year.target_min !== null) {
        parts.push(s("line", { x1: x(index) - slot / 2 + 2, x2: x(index) + slot / 2 - 2, y1: y(year.target_min),
                               y2: y(year.target_min), class: "target" }));
      }
    });
    if (!perYearTargets && years.length > 1) {
      parts.push(s("polyline", { class: "cumulative",
        points: [`${left},${y(0)}`, ...cumulative.map((value, index) => `${endOf(index)},${y(value)}`)].join(" ") }));
    }
    if (target !== null && target !== undefined) {
      parts.push(s("line", { x1: left, x2: width - right, y1: y(target), y2: y(target), class: "target" }));
      parts.push(s("line", { x1: left, x2: endOf(years.length - 1), y1: y(0), y2: y(target), class: "prorata" }));
    }
    const legend = [["bar", t("chart.per_year")], !perYearTargets && years.length > 1 ? ["cumulative",
      t("chart.cumulative")] : null, ["target", t("chart.target")],
    target !== null && target !== undefined ? ["prorata", t("chart.pro_rata")] : null].filter(Boolean);
    return h("figure", { class: "chart" },
      s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": t("chart.title", { code: item.code }) },
        parts),
      h("figcaption", {}, legend.map(([kind, label]) => h("span", { class: "key key-" + kind }, label))));
  }

  async function departmentView(code) {
    showFilters("views/" + code);
    const answer = await api("/views/" + encodeURIComponent(code), { ...apiFilters(), contributors: "false" });
    return [h("h1", { "data-department": answer.department }, answer.name || answer.department), asOfLine(answer),
            answer.indicators.length
              ? h("div", { class: "cards" }, answer.indicators.map((item) => indicatorCard(item, true))) : null,
            answer.tables.map(dataTable)];
  }

  // The annual plan versus what was done: the year is the period picked when it is a year, else this year.
  async function planPage() {
    const current = filters();
    const year = /^\d{4}$/.test(current.period) ? current.period : String(CONFIG.currentYear);
    const params = () => ({ year, as_of: asOfInstant(current.as_of) });
    await showFilters(null, false);
    $("f-period").value = year;
    $("exports").replaceChildren(...exportButtons("views/DOST/plan", params, () => year));
    const answer = await api("/views/DOST/plan", params());
    const plan = answer.plan;
    return [h("h1", { "data-plan-year": year }, t("plan.title", { year })), asOfLine(answer),
            h("p", { class: "panel", "data-plan-state": plan ? plan.state : "none" },
              plan ? t("plan.state", { state: plan.state_label, version: plan.version }) : t("plan.none")),
            answer.tables.map(dataTable)];
  }

  const NUMERIC = new Set(["int", "money"]);
  function cell(column, value) {
    if (column.type === "int" && column.key === "year") return value === null || value === undefined ? "" : String(value);
    if (column.type === "int") return number(value);
    if (column.type === "money") return number(value); // the API's column label names the currency
    if (column.type === "date") return day(value);
    return value === null || value === undefined ? "" : String(value);
  }
  // A table of counts gets a bar per row: the last number is the measure, the other columns name the row.
  function dataTable(table) {
    const measure = table.columns.filter((column) => NUMERIC.has(column.type) && column.key !== "year").pop();
    const naming = table.columns.filter((column) => column !== measure && column.type !== "money"
      && (column.type !== "int" || column.key === "year"));
    const chart = measure && naming.length && table.rows.length > 1 && table.rows.length <= 40
      ? barChart(table.rows, (row) => naming.map((column) => row[column.key] ?? "").join(" \u00b7 "), measure) : null;
    return h("section", { class: "block", "data-table": table.key },
      h("h2", {}, pick(table, "title")), chart,
      grid(table.columns.map((column) => ({ ...column, label: pick(column, "label") })), table.rows));
  }
  function grid(columns, rows, rowAttrs) {
    if (!rows.length) return h("p", { class: "muted" }, t("table.empty"));
    return h("div", { class: "table-wrap" }, h("table", { class: "grid" },
      h("thead", {}, h("tr", {}, columns.map((column) => h("th", { class: NUMERIC.has(column.type) ? "num" : null },
        column.label)))),
      h("tbody", {}, rows.map((row) => h("tr", rowAttrs ? rowAttrs(row) : {}, columns.map((column) =>
        h("td", { class: NUMERIC.has(column.type) ? "num" : null, "data-column": column.key },
          column.render ? column.render(row) : cell(column, row[column.key]))))))));
  }
  function barChart(rows, label, measure) {
    const rowHeight = 18, width = 560, labelWidth = 250, height = rows.length * rowHeight + 4;
    const ceiling = Math.max(1, ...rows.map((row) => row[measure.key] || 0));
    return h("figure", { class: "chart bars" }, s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": pick(measure, "label") }, rows.map((row, index) => {
      const value = row[measure.key] || 0;
      const barWidth = ((width - labelWidth - 95) * value) / ceiling;
      return s("g", { transform: `translate(0 ${index * rowHeight + 2})` },
        s("text", { x: labelWidth - 6, y: 12, class: "tick", "text-anchor": "end" }, shorten(label(row), 44),
          s("title", {}, label(row))),
        s("rect", { x: labelWidth, y: 2, width: barWidth, height: rowHeight - 6, class: "bar" }),
        s("text", { x: labelWidth + barWidth + 4, y: 12, class: "tick" }, number(value)));
    })));
  }

  const shorten = (text, length) => (text.length > length ? text.slice(0, length - 1) + "\u2026" : text);

  async function indicatorDetail(code) {
    showFilters("indicators");
    const item = await api("/indicators/" + encodeURIComponent(code), apiFilters());
    const contributors = item.contributors || [];
    return [
      h("p", {}, navLink("overview", t("nav.back_overview"))),
      h("h1", {}, `${item.code} \u2013 ${pick(item, "name")}`), asOfLine(item),
      h("div", { class: "detail" }, indicatorCard(item, true),
        h("section", { class: "block" }, h("h2", {}, t("detail.by_unit")),
          grid([{ key: "name", label: t("col.unit"), type: "text" },
                { key: "value", label: t("col.value"), type: "int" }], item.by_unit || []))),
      h("section", { class: "block", id: "contributors" },
        h("h2", {}, t("detail.contributors", { count: number(contributors.length) })),
        grid([{ key: "label", label: t("col.contributor"), type: "text", render: (row) =>
                  h("a", { href: href("history/" + row.stream_id), "data-nav": "history/" + row.stream_id }, row.label) },
              { key: "date", label: t("col.date"), type: "date" },
              { key: "service", label: t("col.service"), type: "text" },
              { key: "stream_id", label: t("col.stream_id"), type: "text" }], contributors,
        (row) => ({ "data-stream": row.stream_id }))),
    ];
  }

  async function streamHistory(streamId) {
    const events = await api("/history/" + encodeURIComponent(streamId));
    return [h("p", {}, h("a", { href: "#", onclick: (event) => { event.preventDefault(); history.back(); } },
      t("nav.back"))),
      h("h1", {}, t("history.title")), h("p", { class: "muted mono" }, streamId),
      grid([{ key: "version", label: t("col.version"), type: "int" },
            { key: "label", label: t("col.event"), type: "text", render: (row) => h("span", {},
                row.label || row.event_type, h("br"), h("small", { class: "muted" }, row.event_type)) },
            { key: "occurred_at", label: t("col.occurred_at"), type: "text", render: (row) => instant(row.occurred_at) },
            { key: "recorded_at", label: t("col.recorded_at"), type: "text", render: (row) => instant(row.recorded_at) },
            { key: "actor", label: t("col.actor"), type: "text", render: (row) => `${row.actor || ""} (${row.department || ""})` },
            { key: "data", label: t("col.data"), type: "text", render: (row) => h("details", {},
                h("summary", {}, t("history.show_data")), h("pre", {}, JSON.stringify(row.data, null, 2))) }],
      events, (row) => ({ "data-event-type": row.event_type }))];
  }

  async function reportList() {
    const page = await api("/reports", { page: 1, page_size: 50 });
    const who = claims() || {};
    const mayIssue = (who.dept === "DOST" && who.role === "clerk") || who.role === "admin";
    return [h("h1", {}, t("reports.title")), mayIssue ? issueForm() : null,
      grid([{ key: "id", label: t("col.report"), type: "text", render: (row) =>
                h("a", { href: href("reports/" + row.id), "data-nav": "reports/" + row.id }, row.id) },
            { key: "kind", label: t("col.kind"), type: "text", render: (row) => t("report.kind." + row.kind) },
            { key: "period", label: t("filter.period"), type: "text" },
            { key: "issued_at", label: t("col.issued_at"), type: "text", render: (row) => instant(row.issued_at) },
            { key: "issued_by", label: t("col.issued_by"), type: "text" },
            { key: "reproduced", label: t("col.reproduced"), type: "text", render: (row) =>
                row.reproduced ? t("common.yes") : t("common.no") }], page.items)];
  }
  function issueForm() {
    const kind = h("select", { name: "kind" }, ["annual", "midterm"].map((value) =>
      h("option", { value }, t("report.kind." + value))));
    const period = h("select", { name: "period" }, periodOptions().map((value) => h("option", { value }, value)));
    return h("form", { class: "inline panel", onsubmit: async (event) => {
      event.preventDefault();
      try {
        const report = await (await request("/reports", null, { method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ kind: kind.value, period: period.value }) })).json();
        history.pushState(null, "", href("reports/" + report.id));
        render();
      } catch (error) {
        showError(error);
      }
    } }, h("b", {}, t("reports.issue")), " ", kind, " ", period, " ", h("button", { type: "submit" }, t("reports.issue_button")));
  }

  async function reportDetail(id) {
    const [report, changes] = await Promise.all([api("/reports/" + encodeURIComponent(id)),
      api("/reports/" + encodeURIComponent(id) + "/changes")]);
    const changed = new Map(changes.changes.map((change) => [change.code, change]));
    const items = report.content.items.map((item) => ({ ...item, change: changed.get(item.code) }));
    return [
      h("p", {}, navLink("reports", t("nav.back_reports"))),
      h("h1", {}, t("report.heading", { kind: t("report.kind." + report.kind), period: report.period })),
      h("dl", { class: "trace" },
        h("dt", {}, t("print.report_id")), h("dd", { class: "mono" }, report.id),
        h("dt", {}, t("print.issued_at")), h("dd", {}, `${instant(report.issued_at)} (${report.issued_by})`),
        h("dt", {}, t("print.as_of")), h("dd", {}, instant(report.content.as_of)),
        h("dt", {}, t("print.cut")), h("dd", { class: "mono" },
          Object.entries(report.cut).map(([service, position]) => `${service} ${position}`).join(", ")),
        h("dt", {}, t("print.content_hash")), h("dd", { class: "mono" }, report.content_hash),
        h("dt", {}, t("print.reproduced")), h("dd", {}, report.reproduced ? t("common.yes") : t("common.no"))),
      h("p", {}, h("button", { type: "button", "data-print": report.id,
                               onclick: () => openPrintable(`/reports/${encodeURIComponent(id)}/print`) },
        t("report.print"))),
      h("p", { class: "muted" }, changes.changes.length ? t("report.changed", { count: changes.changes.length })
        : t("report.unchanged")),
      grid([{ key: "code", label: t("col.code"), type: "text" },
            { key: "name", label: t("col.indicator"), type: "text", render: (row) => pick(row, "name") },
            { key: "value", label: t("report.value_at_issue"), type: "int" },
            { key: "now", label: t("print.value_now"), type: "int", render: (row) =>
                row.change ? number(row.change.value_now) : t("print.unchanged") },
            { key: "status", label: t("col.status"), type: "text", render: (row) => t("status." + row.status) },
            { key: "events", label: t("report.later_events"), type: "text", render: (row) => row.change
              ? h("ul", { class: "events" }, row.change.events.map((event) => h("li", {},
                  h("a", { href: href("history/" + event.stream_id), "data-nav": "history/" + event.stream_id },
                    `${event.service} #${event.position} ${event.event_type}`),
                  " ", h("small", { class: "muted" }, t("report.event_times", {
                    occurred: instant(event.occurred_at), recorded: instant(event.recorded_at) })))))
              : "" }], items, (row) => ({ class: row.change ? "changed" : null, "data-code": row.code })),
    ];
  }

  async function auditPage() {
    const [chains, letters] = await Promise.all([api("/audit/chains"), api("/dead-letters", { page: 1, page_size: 50 })]);
    return [h("h1", {}, t("audit.title")),
      h("section", { class: "block" }, h("h2", {}, t("audit.chains")),
        grid([{ key: "service", label: t("col.service"), type: "text" },
              { key: "ok", label: t("audit.verified"), type: "text", render: (row) =>
                  h("span", { class: "badge " + (row.ok ? "status-achieved" : "status-behind") },
                    row.ok ? t("audit.ok") : t("audit.broken")) },
              { key: "checked", label: t("audit.checked"), type: "int" },
              { key: "head_position", label: t("audit.head_position"), type: "int" },
              { key: "head_hash", label: t("audit.head_hash"), type: "text", render: (row) =>
                  h("span", { class: "mono" }, row.head_hash || "") },
              { key: "problems", label: t("audit.problems"), type: "text", render: (row) =>
                  (row.problems || []).map((problem) => h("div", {}, typeof problem === "string" ? problem
                    : problem.reason ? `#${problem.position}: ${problem.reason}` : JSON.stringify(problem))) }],
        chains, (row) => ({ "data-service": row.service }))),
      h("section", { class: "block" }, h("h2", {}, t("audit.dead_letters", { count: number(letters.total) })),
        grid([{ key: "recorded_at", label: t("col.recorded_at"), type: "text", render: (row) => instant(row.recorded_at) },
              { key: "event_type", label: t("col.event"), type: "text" },
              { key: "stream_id", label: t("col.stream_id"), type: "text" },
              { key: "reason", label: t("audit.reason"), type: "text" }], letters.items))];
  }

  // ---- start -----------------------------------------------------------------------------------------
  takeTokenFromFragment();
  setUpFilters();
  start();
  // A sign-in link opened in a tab already showing this page changes only the fragment.
  window.addEventListener("hashchange", () => {
    if (!/^#token=/.test(location.hash)) return;
    takeTokenFromFragment();
    unitsLoadedFor = null;
    start();
  });
})();
