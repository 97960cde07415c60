"""The JavaScript that ``tools.check_site`` runs in each page: what only a live page knows.

Scrolling (so that lazy images load), whether images loaded and how wide they are shown, and
whether MathJax started and typeset the math. Each function receives the CSS selector of the
page's article (see ``tools.site_checks.find_article``); what it returns is judged by
``tools.site_checks`` (``check_images``, ``check_math``). ``JS_PHONE_NAVIGATION`` takes nothing:
run at a phone's width, it clicks the visible navigation button and reports whether the
navigation opened (``check_phone_navigation``). ``JS_LAYOUT`` reports what is wider than the
article (code, outputs, tables, equations), printed output that only fits by wrapping, every
image's alt text and the page's length in screens (``check_layout``); ``JS_PAGE_OVERFLOW``, at a
phone's width, how much wider than the screen the page is (``check_phone_width``).
"""

JS_SCROLL_THROUGH = """async (sel) => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const root = document.scrollingElement || document.documentElement;
  const step = Math.max(200, Math.floor(window.innerHeight * 0.8));
  for (let y = 0; y <= root.scrollHeight; y += step) { window.scrollTo(0, y); await sleep(30); }
  const article = document.querySelector(sel) || document.body;
  for (const img of article.querySelectorAll('img')) { img.scrollIntoView({block: 'center'}); }
  await sleep(50);
  window.scrollTo(0, root.scrollHeight);
  await sleep(50);
  window.scrollTo(0, 0);
}"""

JS_IMAGES_SETTLED = """(sel) => {
  const article = document.querySelector(sel) || document.body;
  return Array.from(article.querySelectorAll('img')).every((img) => img.complete);
}"""

JS_IMAGE_PROBLEMS = """async (sel) => {
  const article = document.querySelector(sel) || document.body;
  const style = getComputedStyle(article);
  const room = article.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const problems = [];
  const sizes = [];
  for (const img of article.querySelectorAll('img')) {
    const src = img.getAttribute('src') || '(no src)';
    if (!img.complete) { problems.push(`image did not finish loading: ${src}`); continue; }
    if (img.naturalWidth > 0) {
      const shown = img.getBoundingClientRect().width;
      sizes.push({src, alt: img.getAttribute('alt') || '', natural: img.naturalWidth, shown, room});
      continue;
    }
    // An SVG without intrinsic size may report naturalWidth 0 although it is fine.
    let decoded = false;
    if (/\\.svg(\\?|#|$)/i.test(img.currentSrc || src)) {
      try { await img.decode(); decoded = true; } catch (e) { decoded = false; }
    }
    if (!decoded) problems.push(`broken image (naturalWidth 0): ${src}`);
  }
  return {count: article.querySelectorAll('img').length, problems, sizes};
}"""

JS_MATH_COUNT = """(sel) => {
  const article = document.querySelector(sel) || document.body;
  return article.querySelectorAll('.math').length;
}"""

JS_MATHJAX_READY = """(ms) => {
  const mj = window.MathJax;
  if (!mj || !mj.startup || !mj.startup.promise) return 'MathJax did not start (no MathJax.startup)';
  const late = 'MathJax did not finish typesetting in ' + ms + ' ms';
  const timeout = new Promise((resolve) => setTimeout(() => resolve(late), ms));
  return Promise.race([
    mj.startup.promise.then(() => 'ok', (e) => 'MathJax startup failed: ' + e),
    timeout,
  ]);
}"""

JS_MATH_PROBLEMS = """(sel) => {
  const article = document.querySelector(sel) || document.body;
  const problems = [];
  const containers = article.querySelectorAll('mjx-container').length;
  if (containers === 0) problems.push('math on the page but no mjx-container: MathJax rendered nothing');
  const errors = article.querySelectorAll('mjx-merror, .mjx-merror, [data-mjx-error]');
  for (const e of Array.from(errors).slice(0, 5)) {
    const msg = e.getAttribute('data-mjx-error') || e.textContent || '';
    problems.push('MathJax error: ' + msg.trim().slice(0, 120));
  }
  const maths = Array.from(article.querySelectorAll('.math'))
    .filter((m) => !m.querySelector('mjx-container') && !m.closest('mjx-container'));
  for (const m of maths.slice(0, 5)) {
    problems.push('math not typeset: ' + (m.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 80));
  }
  if (maths.length > 5) problems.push(`... and ${maths.length - 5} more math elements not typeset`);
  // Raw TeX delimiters left in the visible text (code blocks excluded).
  const skip = 'pre, code, script, style, textarea, mjx-container, .highlight';
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  let raw = 0;
  const samples = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement && n.parentElement.closest(skip)) continue;
    const t = n.nodeValue || '';
    if (t.includes('\\\\(') || t.includes('\\\\[')) {
      raw += 1;
      if (samples.length < 3) samples.push(t.trim().replace(/\\s+/g, ' ').slice(0, 60));
    }
  }
  if (raw) problems.push(`raw TeX left unrendered in ${raw} text node(s): ` + samples.join(' | '));
  return {containers, problems};
}"""

#: How long the navigation may take to slide in after its button is clicked.
PHONE_NAVIGATION_WAIT_MS = 3000

JS_PHONE_NAVIGATION = """async () => {
  const sidebar = document.querySelector('.bd-sidebar-primary');
  if (!sidebar) return {sidebar: false, button: false, opened: false};
  const shown = (e) => e.offsetParent !== null && getComputedStyle(e).visibility !== 'hidden';
  const button = Array.from(document.querySelectorAll('.primary-toggle')).find(shown);
  if (!button) return {sidebar: true, button: false, opened: false};
  // open: the sidebar, or a dialog the theme moves it into, is on screen with links in it
  const onScreen = (e) => {
    const box = e.getBoundingClientRect();
    const style = getComputedStyle(e);
    return style.visibility !== 'hidden' && style.display !== 'none' && box.width > 0
      && box.height > 0 && box.right > 0 && box.left < window.innerWidth && !!e.querySelector('a');
  };
  const open = () => Array.from(document.querySelectorAll('.bd-sidebar-primary, dialog[open]'))
    .some(onScreen);
  button.click();
  for (let waited = 0; waited < WAIT_MS && !open(); waited += 100) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return {sidebar: true, button: true, opened: open()};
}""".replace("WAIT_MS", str(PHONE_NAVIGATION_WAIT_MS))

#: How much wider than its box an element may be before it counts as scrolling (rounding).
LAYOUT_SLACK_PX = 1

JS_LAYOUT = """(sel) => {
  const article = document.querySelector(sel) || document.body;
  const style = getComputedStyle(article);
  const right = article.getBoundingClientRect().right - parseFloat(style.paddingRight);
  const label = (el) => (el.innerText || el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
  const kindOf = (el) => {
    if (el.matches('mjx-container')) return 'equation';
    if (el.matches('table')) return 'table';
    if (el.closest('.cell_output, .output')) return 'output';
    return 'code';
  };
  const wide = [];
  const wrapped = [];
  for (const el of article.querySelectorAll('pre, table, mjx-container[display="true"]')) {
    if (el.getClientRects().length === 0) continue;  // not displayed (a closed drop-down)
    if (el.parentElement && el.parentElement.closest('pre, table, mjx-container')) continue;
    const box = el.getBoundingClientRect();
    const over = Math.max(el.scrollWidth - el.clientWidth, Math.round(box.right - right));
    if (over > SLACK) { wide.push({kind: kindOf(el), over, text: label(el)}); continue; }
    if (el.matches('pre') && getComputedStyle(el).whiteSpace.startsWith('pre-wrap')) {
      const before = el.style.whiteSpace;
      el.style.whiteSpace = 'pre';
      const unwrapped = el.scrollWidth - el.clientWidth;
      el.style.whiteSpace = before;
      if (unwrapped > SLACK) wrapped.push({kind: kindOf(el), over: unwrapped, text: label(el)});
    }
  }
  const images = Array.from(article.querySelectorAll('img'))
    .filter((img) => img.getAttribute('role') !== 'presentation')
    .filter((img) => img.getAttribute('aria-hidden') !== 'true')
    .map((img) => ({src: img.getAttribute('src') || '', alt: img.getAttribute('alt')}));
  const root = document.scrollingElement || document.documentElement;
  return {wide, wrapped, images, screens: root.scrollHeight / window.innerHeight};
}""".replace("SLACK", str(LAYOUT_SLACK_PX))

JS_PAGE_OVERFLOW = """() => {
  const root = document.scrollingElement || document.documentElement;
  return root.scrollWidth - window.innerWidth;
}"""
