/*! Autodiagnostic « territoire intelligent » : widget de discussion, sans dépendance.
 * Intégration : <script src="https://HOTE/widget.js" data-title="…" data-color="#1f5fa8" async></script>
 * Attributs : data-title, data-color (#rgb ou #rrggbb), data-api (adresse du serveur,
 * par défaut celle du script), data-mode="page" (discussion en pleine page, sans bouton),
 * data-group (jeton d'une invitation à un diagnostic de groupe : la discussion rejoint le groupe).
 * Propriétés CSS : --dti-accent, --dti-accent-text, --dti-font, --dti-z.
 * Événements (composed) : dti-open, dti-close, dti-result (detail : la charge du résultat).
 */
(function () {
  "use strict";
  var TAG = "dti-assistant";
  var ce = window.customElements;
  if (!ce || !HTMLElement.prototype.attachShadow || ce.get(TAG)) return; // ancien navigateur, ou déjà chargé

  var script = document.currentScript;
  var data = (script && script.dataset) || {};
  var base = new URL(script && script.src ? script.src : location.href, location.href);
  var CONFIG = {
    api: (data.api || base.origin).replace(/\/+$/, ""),
    assets: new URL(".", base).href,
    title: data.title || "",
    color: data.color || "",
    mode: data.mode || "",
    group: data.group || ""
  };

  // Every word the user reads, in one place.
  var T = {
    title: "Autodiagnostic territoire intelligent",
    launcher: "Faire l'autodiagnostic",
    close: "Fermer",
    closeLabel: "Fermer la fenêtre de discussion",
    log: "Conversation avec l'assistant",
    bot: "L'assistant : ",
    you: "Vous : ",
    input: "Votre réponse",
    placeholder: "Écrivez votre réponse…",
    send: "Envoyer",
    typing: "L'assistant écrit…",
    progress: "Question {n} sur {m}",
    choices: "Réponses proposées",
    several: "Plusieurs réponses possibles : cochez-les puis validez.",
    validate: "Valider",
    pickOne: "Cochez au moins une réponse, ou choisissez « Passer ».",
    result: "Votre résultat",
    level: "Niveau {name} : {score} sur 100",
    report: "Ouvrir mon rapport",
    newWindow: " (nouvelle fenêtre)",
    retry: "Réessayer",
    network: "Impossible de joindre l'assistant. Vérifiez votre connexion, puis réessayez.",
    failed: "L'assistant n'a pas pu répondre. Réessayez dans quelques instants.",
    stillWorking: "L'assistant travaille toujours sur votre message, merci de patienter…",
    slow: "L'assistant met trop de temps à répondre. Votre message n'est pas perdu : réessayez dans quelques instants, il ne sera pas enregistré deux fois.",
    privacy: "Vos réponses sont enregistrées pour établir votre diagnostic.",
    privacyLink: "Confidentialité",
    greeting: "bonjour"
  };
  var KEY = "dti-assistant:" + CONFIG.api;
  var MAX_HISTORY = 200;
  var MAX_LENGTH = 2000;
  var STILL_WORKING_MS = 5000; // then say that the assistant is still working
  var GIVE_UP_MS = 45000; // the server answers within its own delay (504): this is a last resort

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, k) { return values[k] == null ? "" : String(values[k]); });
  }

  // Storage that never throws (private browsing, blocked cookies): falls back to memory.
  function store(kind) {
    var memory = {};
    return {
      get: function (k) { try { return window[kind].getItem(k); } catch (e) { return memory[k] || null; } },
      set: function (k, v) { try { window[kind].setItem(k, v); } catch (e) { memory[k] = v; } }
    };
  }
  var local = store("localStorage");
  var session = store("sessionStorage");

  // The server issues the conversation id (first answer) and the widget keeps it.
  function validId(id) { return typeof id === "string" && /^[A-Za-z0-9_-]{8,64}$/.test(id) ? id : null; }
  function storedSender() { return validId(local.get(KEY + ":sender")); }
  // "Refaire le diagnostic" on a report hands the new conversation over in the address of the
  // chat page (/diagnostic#conversation=<id>): taken once, then removed from the address.
  function handedSender() {
    var m = /^#conversation=([A-Za-z0-9_-]{8,64})$/.exec(window.location.hash || "");
    if (!m) return null;
    try { window.history.replaceState(null, "", window.location.pathname + window.location.search); } catch (e) {}
    return m[1];
  }

  function loadHistory() {
    try {
      var items = JSON.parse(local.get(KEY + ":history") || "[]");
      return Array.isArray(items) ? items : [];
    } catch (e) { return []; }
  }

  // Text color (white or near black) that reaches 4.5:1 on the accent color.
  function readableOn(hex) {
    var m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex || "");
    if (!m) return null;
    var h = m[1].length === 3 ? m[1].replace(/./g, "$&$&") : m[1];
    var lum = [0, 2, 4].map(function (i) {
      var c = parseInt(h.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    var l = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2];
    return 1.05 / (l + 0.05) >= 4.5 ? "#ffffff" : "#111111";
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) {
      if (attrs[k] === true) node.setAttribute(k, "");
      else if (attrs[k] != null && attrs[k] !== false) node.setAttribute(k, attrs[k]);
    }
    if (text != null) node.textContent = text;
    return node;
  }

  // Bot text, with web addresses turned into links (text nodes only, never HTML).
  function richText(node, text) {
    var parts = String(text).split(/(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)»])/);
    parts.forEach(function (part, i) {
      if (i % 2) {
        var a = el("a", { href: part, target: "_blank", rel: "noopener" }, part);
        a.appendChild(el("span", { "class": "sr" }, T.newWindow));
        node.appendChild(a);
      } else if (part) {
        node.appendChild(document.createTextNode(part));
      }
    });
  }

  function answerPayload(codes) { return "/answer" + JSON.stringify({ choice: codes.join(",") }); }

  // A key per message, sent again with it on a retry: the server answers it once.
  function messageId() {
    var bytes = new Uint8Array(16);
    if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(bytes);
    else for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  class Assistant extends HTMLElement {
    connectedCallback() {
      if (this.root) return;
      this.page = (this.dataset.mode || CONFIG.mode) === "page";
      var handed = this.page ? handedSender() : null;
      if (handed) { local.set(KEY + ":sender", handed); local.set(KEY + ":history", "[]"); }
      this.sender = storedSender();
      this.history = loadHistory();
      this.busy = false;
      this.root = this.attachShadow({ mode: "open" });
      this.build();
      this.history.forEach(this.render, this);
      this.showChoices(this.pending());
      this.showProgress();
      if (this.page || session.get(KEY + ":open") === "1") this.open(false);
    }

    build() {
      var self = this;
      var color = this.dataset.color || CONFIG.color;
      var text = readableOn(color);
      var css = el("link", { rel: "stylesheet", href: CONFIG.assets + "widget.css" });
      var wrap = el("div", { "class": "dti" + (this.page ? " dti--page" : ""), hidden: true });
      if (text) {
        wrap.style.setProperty("--dti-accent", color);
        wrap.style.setProperty("--dti-accent-text", text);
      }
      function show() { wrap.hidden = false; self.scroll(); }
      css.addEventListener("load", show);
      css.addEventListener("error", show);
      this.root.append(css, wrap);

      var title = this.dataset.title || CONFIG.title || T.title;
      this.panel = el("section", { "class": "panel", id: "panel", "aria-labelledby": "dti-title" });
      if (!this.page) {
        this.panel.setAttribute("role", "dialog");
        this.panel.hidden = true;
        this.launcher = el("button", { type: "button", "class": "launcher", "aria-expanded": "false", "aria-controls": "panel" });
        this.launcher.append(el("span", { "class": "launcher-icon", "aria-hidden": "true" }, "💬"), el("span", null, T.launcher));
        this.launcher.addEventListener("click", function () { self.open(true); });
        wrap.append(this.launcher);
      }
      var header = el("div", { "class": "header" });
      var heading = el("div", { "class": "heading" });
      heading.append(el("h2", { id: "dti-title" }, title));
      this.progressText = el("p", { "class": "progress-text", hidden: true });
      this.progressBar = el("progress", { max: "1", value: "0", "aria-hidden": "true", hidden: true });
      heading.append(this.progressText, this.progressBar);
      header.append(heading);
      if (!this.page) {
        var close = el("button", { type: "button", "class": "close", "aria-label": T.closeLabel });
        close.append(el("span", { "aria-hidden": "true" }, "✕"), el("span", { "class": "close-text" }, T.close));
        close.addEventListener("click", function () { self.close(); });
        header.append(close);
        this.panel.addEventListener("keydown", function (e) {
          if (e.key === "Escape") { e.preventDefault(); self.close(); }
        });
      }
      this.log = el("div", { "class": "log", role: "log", "aria-live": "polite", "aria-label": T.log, tabindex: "0" });
      this.typing = el("div", { "class": "typing", hidden: true });
      this.typing.append(el("span", { "class": "dots", "aria-hidden": "true" }), el("span", null, T.typing));
      this.status = el("p", { "class": "status", role: "status" }); // polite: "still working"
      this.choices = el("div", { "class": "choices", role: "group", "aria-label": T.choices });
      this.form = el("form", { "class": "composer" });
      this.input = el("input", { id: "dti-input", type: "text", maxlength: String(MAX_LENGTH), autocomplete: "off", placeholder: T.placeholder });
      var label = el("label", { "for": "dti-input", "class": "sr" }, T.input);
      this.sendButton = el("button", { type: "submit", "class": "send" }, T.send);
      this.form.append(label, this.input, this.sendButton);
      this.form.addEventListener("submit", function (e) {
        e.preventDefault();
        var value = self.input.value.trim();
        if (!value || self.busy) return;
        self.input.value = "";
        self.say(value, value, false);
      });
      var footer = el("p", { "class": "footer" }, T.privacy + " ");
      footer.append(el("a", { href: CONFIG.api + "/#confidentialite", target: "_blank", rel: "noopener" }, T.privacyLink));
      footer.lastChild.append(el("span", { "class": "sr" }, T.newWindow));
      this.panel.append(header, this.log, this.typing, this.status, this.choices, this.form, footer);
      wrap.append(this.panel);
    }

    open(focus) {
      if (!this.page) {
        this.panel.hidden = false;
        this.launcher.setAttribute("aria-expanded", "true");
        this.launcher.hidden = true;
        session.set(KEY + ":open", "1");
      }
      if (focus) this.input.focus();
      this.emit("dti-open");
      var last = this.history[this.history.length - 1];
      var group = this.dataset.group || CONFIG.group;
      if (/^[A-Za-z0-9_-]{16,64}$/.test(group) && local.get(KEY + ":group") !== group) {
        local.set(KEY + ":group", group); // an invitation: join its group, once per browser
        this.send("rejoindre le groupe " + group);
      } else if (!last || last.from !== "bot") this.send(T.greeting); // first opening, or an answer never came back
      this.scroll();
    }

    close() {
      if (this.page) return;
      this.panel.hidden = true;
      this.launcher.hidden = false;
      this.launcher.setAttribute("aria-expanded", "false");
      session.set(KEY + ":open", "0");
      this.launcher.focus();
      this.emit("dti-close");
    }

    emit(name, detail) {
      this.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true, detail: detail || null }));
    }

    // The last bot message, if nothing was said after it: its buttons are the ones to offer.
    pending() {
      var last = this.history[this.history.length - 1];
      return last && last.from === "bot" ? last : null;
    }

    remember(entry) {
      this.history.push(entry);
      if (this.history.length > MAX_HISTORY) this.history.splice(0, this.history.length - MAX_HISTORY);
      local.set(KEY + ":history", JSON.stringify(this.history));
      this.render(entry);
    }

    render(entry) {
      var bubble = el("div", { "class": "msg msg--" + entry.from });
      if (entry.from !== "error") bubble.append(el("span", { "class": "sr" }, entry.from === "bot" ? T.bot : T.you));
      var body = el("p", { "class": "text" });
      if (entry.from === "bot") richText(body, entry.text || ""); else body.textContent = entry.text || "";
      bubble.append(body);
      var custom = entry.custom || {};
      if (custom.type === "result") bubble.append(this.resultCard(custom));
      this.log.append(bubble);
      this.scroll();
      return bubble;
    }

    resultCard(result) {
      var card = el("div", { "class": "result" });
      card.append(el("p", { "class": "result-title" }, T.result));
      var overall = (result.maturity && result.maturity.overall) || {};
      if (overall.level_name && overall.score != null) {
        var score = String(overall.score).replace(".", ",");
        card.append(el("p", null, fill(T.level, { name: overall.level_name, score: score })));
      }
      if (/^https?:\/\//.test(result.report_url || "")) {
        var link = el("a", { "class": "report-link", href: result.report_url, target: "_blank", rel: "noopener" }, T.report);
        link.append(el("span", { "class": "sr" }, T.newWindow));
        card.append(link);
      }
      return card;
    }

    showProgress() {
      for (var i = this.history.length - 1; i >= 0; i--) {
        var c = this.history[i].custom;
        if (c && c.type === "result") { this.progressText.hidden = this.progressBar.hidden = true; return; }
        if (c && c.type === "question" && c.position && c.total) {
          this.progressText.textContent = fill(T.progress, { n: c.position, m: c.total });
          this.progressBar.max = c.total;
          this.progressBar.value = c.position;
          this.progressText.hidden = this.progressBar.hidden = false;
          return;
        }
      }
    }

    showChoices(entry) {
      var self = this;
      this.choices.textContent = "";
      if (!entry) return;
      var custom = entry.custom || {};
      var buttons = entry.buttons || [];
      if (custom.type === "question" && custom.multiple && (custom.choices || []).length) {
        this.choices.append(this.checkboxes(custom.choices));
        // The choices are the boxes; other answer buttons ("Toujours vrai" in a repeat) stay.
        var labels = custom.choices.map(function (c) { return c.label; });
        buttons = buttons.filter(function (b) {
          return String(b.payload).indexOf("/answer") !== 0 || labels.indexOf(b.title) < 0;
        });
      }
      buttons.forEach(function (b) {
        var button = el("button", { type: "button", "class": "choice" }, b.title);
        button.addEventListener("click", function () { self.say(b.payload, b.title, true); });
        self.choices.append(button);
      });
    }

    checkboxes(choices) {
      var self = this;
      var fieldset = el("fieldset", { "class": "several" });
      fieldset.append(el("legend", null, T.several));
      var boxes = choices.map(function (choice, i) {
        var id = "dti-c" + i;
        var row = el("div", { "class": "check" });
        var box = el("input", { type: "checkbox", id: id, value: choice.value });
        box.addEventListener("change", function () {
          if (!box.checked) return;
          boxes.forEach(function (other) {  // « Aucune » excludes the others, and the reverse.
            if (other !== box && (other.value === "aucune" || box.value === "aucune")) other.checked = false;
          });
        });
        row.append(box, el("label", { "for": id }, choice.label));
        fieldset.append(row);
        return box;
      });
      var hint = el("p", { "class": "hint", "aria-live": "assertive" });
      var validate = el("button", { type: "button", "class": "choice validate" }, T.validate);
      validate.addEventListener("click", function () {
        var picked = boxes.filter(function (b) { return b.checked; });
        if (!picked.length) { hint.textContent = T.pickOne; boxes[0].focus(); return; }
        var labels = picked.map(function (b) { return b.nextSibling.textContent; });
        self.say(answerPayload(picked.map(function (b) { return b.value; })), labels.join(", "), true);
      });
      fieldset.append(validate, hint);
      return fieldset;
    }

    // What the person says: shown as `shown`, sent as `message`.
    say(message, shown, byChoice) {
      if (this.busy) return;
      this.remember({ from: "user", text: shown });
      this.showChoices(null);
      if (byChoice) this.input.focus();
      this.send({ message: message, byChoice: byChoice, id: messageId(), question: this.questionId() });
    }

    // The question the person answers: the one the assistant's last turn asked, if it asked one.
    questionId() {
      var i = this.history.length - 1;
      while (i >= 0 && this.history[i].from !== "bot") i--;
      for (; i >= 0 && this.history[i].from === "bot"; i--) {
        var c = this.history[i].custom || {};
        if ((c.type === "question" || c.type === "confirmation") && typeof c.question_id === "string") return c.question_id;
      }
      return null;
    }

    setBusy(busy) {
      var self = this;
      this.busy = busy;
      clearTimeout(this.slowTimer);
      this.status.textContent = "";
      if (busy) this.slowTimer = setTimeout(function () { self.status.textContent = T.stillWorking; }, STILL_WORKING_MS);
      this.typing.hidden = !busy;
      this.sendButton.disabled = busy;
      this.log.setAttribute("aria-busy", busy ? "true" : "false");
      if (busy) this.scroll();
    }

    // `outgoing`: {message, byChoice, id, question}; a retry sends the same one again.
    send(outgoing) {
      var self = this;
      if (typeof outgoing === "string") outgoing = { message: outgoing, id: messageId() };
      if (this.busy) return;
      this.setBusy(true);
      this.clearErrors();
      var body = { message: outgoing.message, message_id: outgoing.id };
      if (this.sender) body.sender = this.sender;
      if (outgoing.question) body.question_id = outgoing.question;
      var abort = window.AbortController ? new AbortController() : null;
      var giveUp = setTimeout(function () { if (abort) abort.abort(); }, GIVE_UP_MS);
      fetch(CONFIG.api + "/api/messages", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        credentials: "omit",
        signal: abort ? abort.signal : undefined
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          var sender = validId(body.sender); // given with errors too: a retry stays in the conversation
          if (sender && sender !== self.sender) { self.sender = sender; local.set(KEY + ":sender", sender); }
          if (!response.ok || !Array.isArray(body.messages)) throw new Error(body.message || T.failed);
          return body.messages;
        });
      }, function (error) {
        throw new Error(error && error.name === "AbortError" ? T.slow : T.network);
      }).then(function (messages) {
        clearTimeout(giveUp);
        self.setBusy(false);
        messages.forEach(function (m) {
          var entry = { from: "bot", text: m.text || "", buttons: m.buttons || [], custom: m.custom || null };
          self.remember(entry);
          if (entry.custom && entry.custom.type === "result") self.emit("dti-result", entry.custom);
        });
        self.showProgress();
        self.showChoices(self.pending());
        var first = self.choices.querySelector("input, button");
        var waiting = self.root.activeElement === self.input && !self.input.value;
        if (outgoing.byChoice && first && waiting) first.focus();
      }).catch(function (error) {
        clearTimeout(giveUp);
        self.setBusy(false);
        self.showError(error.message, function () { self.send(outgoing); });
      });
    }

    showError(text, retry) {
      var bubble = this.render({ from: "error", text: text });
      var button = el("button", { type: "button", "class": "choice retry" }, T.retry);
      button.addEventListener("click", retry);
      bubble.append(button);
    }

    clearErrors() {
      Array.prototype.forEach.call(this.log.querySelectorAll(".msg--error"), function (n) { n.remove(); });
    }

    scroll() {
      var log = this.log;
      requestAnimationFrame(function () { log.scrollTop = log.scrollHeight; });
    }
  }

  ce.define(TAG, Assistant);

  function mount() {
    if (!document.querySelector(TAG)) document.body.append(document.createElement(TAG));
  }
  // Wait for the whole page, so that an element placed by its author is found (page mode).
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount); else mount();
})();
