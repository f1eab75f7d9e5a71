// Helpers the browser tests install in JupyterLab's page (see steps.py: install_helpers).
//
// window.__cnnkitInstall(path) builds window.__cnnkit for the notebook open at `path`. The
// helpers read JupyterLab's own objects (exposed with --LabApp.expose_app_in_browser)
// together with the DOM the learner sees. Nothing here waits by sleeping: the Python side
// polls these functions with a time limit.
window.__cnnkitInstall = (path) => {
  const hash = (s) => {
    let h = 2166136261 >>> 0;
    for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619) >>> 0; }
    return h.toString(16) + ':' + s.length;
  };
  const TRACE = /Traceback \(most recent call last\)/;
  const RAW_WIDGET = /\b[A-Za-z_]\w*\(children=\(/;
  const RAW_REPR_ANYWHERE = /Explorer\(children=|HBox\(children=|VBox\(children=|interactive\(children=|IntProgress/;
  const WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json';
  const api = {
    path,
    panel() {
      for (const w of window.jupyterapp.shell.widgets('main')) {
        if (w.context && w.context.path === path && w.content && w.content.widgets) return w;
      }
      return null;
    },
    codeCells() {
      const p = api.panel();
      return p ? p.content.widgets.filter((c) => c.model.type === 'code') : [];
    },
    kernelStatus() {
      const p = api.panel();
      const k = p && p.sessionContext.session && p.sessionContext.session.kernel;
      return k ? k.status : 'none';
    },
    statusBarText() {
      for (const el of document.querySelectorAll('#jp-main-statusbar .jp-StatusBar-TextItem')) {
        if (/\|\s*(Idle|Busy|Starting|Restarting|Connecting|Unknown|Dead|No Kernel)/i.test(el.textContent))
          return el.textContent.trim();
      }
      return '';
    },
    idle() { return api.kernelStatus() === 'idle' && /\|\s*Idle\s*$/.test(api.statusBarText()); },
    tags(cell) { return (cell.model.getMetadata && cell.model.getMetadata('tags')) || []; },
    prompt(cell) {
      const el = cell.node.querySelector('.jp-InputPrompt');
      return el ? el.textContent.trim() : '';
    },
    cleared() {
      return api.codeCells().every((c) => c.model.executionCount === null && c.model.outputs.length === 0);
    },
    runState() {
      const cells = api.codeCells();
      const counted = cells.filter((c) => c.model.executionCount !== null && /\[\d+\]/.test(api.prompt(c))).length;
      const errors = cells.filter((c) => c.model.outputs.toJSON().some((o) => o.output_type === 'error')).length;
      const running = cells.filter((c) => /\[\*\]/.test(api.prompt(c))).length;
      return { total: cells.length, counted, errors, running, idle: api.idle() };
    },
    runFinished() {
      const s = api.runState();
      // all cells ran, or the run stopped at an error (later cells then never run)
      return s.idle && s.running === 0 && (s.counted === s.total || s.errors > 0);
    },
    widgetsSettled() {
      // every widget output has rendered, or has visibly failed to
      const p = api.panel();
      const outs = p.node.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.widget-view+json"]');
      return [...outs].every((o) => o.querySelector('.jupyter-widgets, .lm-Widget') || /Error displaying widget/.test(o.textContent));
    },
    cellProblems() {
      const problems = [];
      api.codeCells().forEach((cell, i) => {
        const where = `code cell ${i + 1} (${(cell.model.sharedModel.getSource().split('\n')[0] || '').slice(0, 60)})`;
        const intended = api.tags(cell).includes('raises-exception');
        for (const o of cell.model.outputs.toJSON()) {
          if (o.output_type === 'error' && !intended)
            problems.push(`${where} shows an error: ${o.ename}: ${String(o.evalue).slice(0, 300)}`);
          if (o.output_type === 'stream' && o.name === 'stderr' && TRACE.test(String(o.text)) && !intended)
            problems.push(`${where} printed a traceback on stderr:\n${String(o.text).slice(-800)}`);
        }
        if (cell.model.executionCount === null)
          problems.push(`${where} has no execution count after Run All`);
        for (const out of cell.node.querySelectorAll('.jp-OutputArea-output')) {
          const text = out.textContent || '';
          if (out.dataset.mimeType === 'text/plain' && RAW_WIDGET.test(text))
            problems.push(`${where} shows only the raw text of a widget (${text.trim().slice(0, 80)}...): ` +
                          'the widget extension is not active (jupyterlab_widgets missing or disabled)');
          if (/Error displaying widget/.test(text))
            problems.push(`${where}: ${text.trim().slice(0, 200)}`);
          // explorers' views are checked one by one; any other widget output here
          if (!intended && TRACE.test(text) && out.closest('.widget-output') && !out.closest('.cnnkit-view'))
            problems.push(`${where}: a widget output shows a traceback:\n${text.slice(-1500)}`);
        }
      });
      return problems;
    },
    explorers() {
      const p = api.panel();
      return p ? [...p.node.querySelectorAll('.cnnkit-explorer')] : [];
    },
    view(i) {
      const ex = api.explorers()[i];
      return ex ? [...ex.querySelectorAll('.cnnkit-view')].find((v) => v.closest('.cnnkit-explorer') === ex) : null;
    },
    outputs(i) {
      // everything the explorer shows: its view and any other output area it has (a plan,
      // a progress bar), but not those of an explorer nested inside it
      const ex = api.explorers()[i];
      return ex ? [...ex.querySelectorAll('.widget-output')].filter((o) => o.closest('.cnnkit-explorer') === ex) : [];
    },
    sig(i) {
      return hash(api.outputs(i).map((v) => {
        const imgs = [...v.querySelectorAll('img')].map((x) => x.src).join('|');
        const svgs = [...v.querySelectorAll('svg')].map((x) => x.outerHTML).join('|');
        return imgs + '\n' + svgs + '\n' + v.textContent;
      }).join('\n--\n'));
    },
    resultSig(i) {  // the view alone: a progress bar next to it may differ run to run
      const v = api.view(i);
      return v ? hash([...v.querySelectorAll('img')].map((x) => x.src).join('|') + '\n' + v.textContent) : 'no view';
    },
    viewFilled(i) {
      return api.outputs(i).some((v) => v.querySelector('img, svg, canvas') !== null || v.textContent.trim().length > 0);
    },
    viewProblem(i) {
      if (!api.view(i)) return 'the explorer has no element with class cnnkit-view';
      for (const v of api.outputs(i)) {
        const text = v.textContent || '';
        if (TRACE.test(text)) return 'traceback in the view:\n' + text.slice(-1500);
        const err = v.querySelector('[data-mime-type="application/vnd.jupyter.stderr"]');
        if (err && TRACE.test(err.textContent)) return 'error output in the view:\n' + err.textContent.slice(-1500);
      }
      return '';
    },
    viewMessage(i) {
      const v = api.view(i);
      const m = v && v.querySelector('.cnnkit-message');
      return m ? m.textContent.trim() : '';
    },
    sent: [],
    answered_ids: new Set(),
    watchKernel() {
      // Remember the id of every widget message sent to the kernel, and which of them the
      // kernel has finished with (its idle status names the message as parent).
      const kernel = api.panel().sessionContext.session.kernel;
      if (api.watched === kernel) return;
      api.watched = kernel;
      kernel.anyMessage.connect((_, { msg, direction }) => {
        if (direction === 'send' && msg.header.msg_type === 'comm_msg') api.sent.push(msg.header.msg_id);
        if (direction === 'recv' && msg.header.msg_type === 'status' &&
            msg.content.execution_state === 'idle' && msg.parent_header && msg.parent_header.msg_id)
          api.answered_ids.add(msg.parent_header.msg_id);
      });
    },
    // every widget message sent since `since` has been answered, and the kernel is idle
    answered(since) {
      const ids = api.sent.slice(since);
      return ids.length > 0 && ids.every((id) => api.answered_ids.has(id)) && api.idle();
    },
    frames() { return new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))); },
    title(i) {
      const ex = api.explorers()[i];
      const b = ex && ex.querySelector('.widget-html-content b, .widget-html-content h3, .widget-html-content h4');
      return b ? b.textContent.trim() : '';
    },
    controlLabel(e) {
      // a control's description as the learner reads it
      const w = e.closest('.widget-inline-hbox, .widget-toggle-buttons, .widget-radio-box');
      const l = w && w.querySelector('.widget-label');
      return (l && l.textContent.trim()) || (e.tagName === 'BUTTON' && e.textContent.trim()) || '';
    },
    disabled(e) { return e.disabled === true || e.closest('[disabled], .mod-disabled') !== null; },
    forensics() {
      // what the page looked like when a step failed, in one line
      return JSON.stringify(api.runState()) + ' ' + api.statusBarText() + ' | explorers: ' +
        JSON.stringify(api.explorers().map((e, i) => ({
          title: api.title(i), filled: api.viewFilled(i),
          view: api.view(i) ? api.view(i).innerHTML.slice(0, 300) : null })));
    },
    // ---- a notebook opened without running it: what its stored outputs show
    rendered() {
      // the notebook is loaded from disk and every stored output has an element on the page
      const p = api.panel();
      if (!p || !p.context.isReady || !p.content.model) return false;
      if (p.content.widgets.length !== p.content.model.cells.length) return false;
      return api.codeCells().every((c) =>
        c.node.querySelectorAll('.jp-OutputArea-child').length === c.model.outputs.length);
    },
    async storedWidgetOutputs() {
      // one entry per stored output that holds a widget view: the cell, what the viewer
      // chose to show, and the size of every picture in it (scrolled into view first)
      const found = [];
      const cells = api.codeCells();
      for (let n = 0; n < cells.length; n++) {
        const cell = cells[n];
        const outputs = cell.model.outputs.toJSON();
        const children = cell.node.querySelectorAll('.jp-OutputArea-child');
        for (let k = 0; k < outputs.length; k++) {
          const data = outputs[k].data || {};
          if (!data[WIDGET_VIEW] || !children[k]) continue;
          children[k].scrollIntoView({ block: 'center' });
          await api.frames();
          const out = children[k].querySelector('.jp-OutputArea-output');
          const pictures = [...children[k].querySelectorAll('img, svg, canvas')].map((p) => {
            const r = p.getBoundingClientRect();
            return { tag: p.tagName.toLowerCase(), width: r.width, height: r.height,
                     loaded: p.tagName !== 'IMG' || (p.complete && p.naturalWidth > 0) };
          });
          found.push({ cell: n + 1, source: cell.model.sharedModel.getSource().split('\n')[0].slice(0, 60),
                       mime: out ? out.dataset.mimeType || '' : '',
                       text: (children[k].textContent || '').trim().slice(0, 200), pictures });
        }
      }
      return found;
    },
    rawReprs() {
      // widget reprs shown as text anywhere in the outputs, with their cell
      const found = [];
      api.codeCells().forEach((cell, n) => {
        const area = cell.node.querySelector('.jp-OutputArea');
        const text = area ? area.textContent : '';
        const m = text.match(RAW_REPR_ANYWHERE);
        if (m) found.push(`code cell ${n + 1}: ...${text.slice(Math.max(0, m.index - 20), m.index + 80)}...`);
      });
      return found;
    },
  };
  window.__cnnkit = api;
  return true;
};
