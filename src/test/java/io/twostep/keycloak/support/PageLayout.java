package io.twostep.keycloak.support;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Looks at a page as the browser laid it out, for the faults a person sees and HtmlUnit cannot (it lays nothing
 * out):
 * <ul>
 *   <li><b>a box narrower than its text needs</b>: every visible text's longest word (split by the browser's own
 *       word breaker for the page's language, so Japanese is split into words too) must fit the width of the box
 *       it is drawn in; a headline squeezed into a 12 px column, drawn a letter per line, fails;</li>
 *   <li><b>sideways scrolling</b>: the document must not be wider than the window (the boxes that make it wider
 *       are named), no text box may stick out of it, and no text may run past its own box (a button whose label
 *       does not wrap);</li>
 *   <li><b>a height bound</b>: the page may be no taller than Keycloak's frame around the content (logo, margins,
 *       footer: the page's height minus that of {@code root}) plus what the content needs at the width of
 *       {@code root}, plus a quarter. "What the content needs" is, for each block of text, its one-line width
 *       divided by the inner width of {@code root}, rounded up, times its line height; for each field, button or
 *       select its own height; and 24 px after each (PatternFly's gap between form rows,
 *       {@code --pf-v5-global--spacer--lg}). A page whose text wraps as it should stays well inside this; one that
 *       breaks text into narrow columns grows past it however short its text.</li>
 * </ul>
 */
public final class PageLayout {

    /** Room above what the content needs, for margins and paddings that the estimate leaves out: 25 %. */
    public static final double SLACK = 1.25;

    private static final String SCRIPT = """
            ((rootSelector, partsSelector, slack) => {
              const problems = [];
              const inParts = e => !partsSelector || !!e.closest(partsSelector);
              const view = document.documentElement.clientWidth;
              const scroller = document.scrollingElement || document.documentElement;
              const describe = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                  + [...e.classList].slice(0, 2).map(c => '.' + c).join('');
              if (!partsSelector && scroller.scrollWidth > view + 1) {
                // the innermost boxes reaching past the window's right edge, seen or not: they make the width
                const wide = [...document.body.querySelectorAll('*')].filter(e => e.getClientRects().length
                    && e.getBoundingClientRect().right > view + 1);
                const innermost = wide.filter(e => !wide.some(o => o !== e && e.contains(o))).slice(0, 3);
                problems.push(`scrolls sideways: ${scroller.scrollWidth} px wide in a ${view} px window, because of `
                    + innermost.map(e => `${describe(e)} (to ${Math.round(e.getBoundingClientRect().right)} px)`).join(', '));
              }
              const hidden = el => {
                for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
                  const s = getComputedStyle(e);
                  if (s.display === 'none' || s.visibility === 'hidden' || s.opacity === '0') return true;
                  const r = e.getBoundingClientRect();
                  // visually hidden text for screen readers (clip to 1 px) is not laid out for the eye
                  if (s.position === 'absolute' && (r.width <= 1 || r.height <= 1)) return true;
                }
                return el.getClientRects().length === 0;
              };
              const blockOf = el => {
                let e = el;
                while (e.parentElement && ['inline', 'contents'].includes(getComputedStyle(e).display)) e = e.parentElement;
                return e;
              };
              const probe = document.createElement('span');
              probe.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap;left:0;top:0;'
                  + 'padding:0;border:0;margin:0';
              const widthOf = (parent, text) => {
                probe.textContent = text;
                parent.appendChild(probe);
                const w = probe.getBoundingClientRect().width;
                probe.remove();
                return w;
              };
              const innerWidth = e => {
                const s = getComputedStyle(e);
                return e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
              };
              const words = new Intl.Segmenter(document.documentElement.lang || 'en', {granularity: 'word'});
              const root = document.querySelector(rootSelector) || document.body;
              const rootWidth = innerWidth(root);
              const controls = 'input:not([type=hidden]), button, select, textarea';
              const blocks = new Map();
              const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
              for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                const text = n.textContent.replace(/\\s+/g, ' ').trim();
                const parent = n.parentElement;
                if (!text || !parent || parent === probe || !inParts(parent)
                    || ['SCRIPT', 'STYLE', 'OPTION', 'NOSCRIPT', 'TEMPLATE', 'TITLE'].includes(parent.tagName)
                    || hidden(parent)) continue;
                const block = blockOf(parent);
                // the longest run the browser may not break: words, with the punctuation that clings to them
                // (a line may also break after a hyphen or a slash, and between Japanese words)
                const runs = text.split(' ').flatMap(t => t.split(/(?<=[-\\u2010\\/])/))
                    .flatMap(t => t.length > 1 && /[\\u3000-\\u9fff\\uff00-\\uffef]/.test(t)
                        ? [...words.segment(t)].map(s => s.segment) : [t]);
                const longest = runs.sort((a, b) => b.length - a.length).slice(0, 3);
                let need = 0, word = '';
                for (const w of longest) {
                  const width = widthOf(parent, w);
                  if (width > need) { need = width; word = w; }
                }
                const avail = innerWidth(block);
                if (avail + 1 < need) {
                  problems.push(`${describe(block)} is ${Math.round(avail)} px wide, its text needs ${Math.round(need)} px`
                      + ` ("${word}")`);
                }
                if (block.clientWidth > 0 && block.scrollWidth > block.clientWidth + 1) {
                  problems.push(`${describe(block)}: its text runs ${block.scrollWidth - block.clientWidth} px past its box`);
                }
                const r = block.getBoundingClientRect();
                if (r.right > view + 1 || r.left < -1) {
                  problems.push(`${describe(block)} sticks out of the window (${Math.round(r.left)} to ${Math.round(r.right)} px)`);
                }
                if (root.contains(block) && !block.closest(controls)) {
                  blocks.set(block, (blocks.get(block) || '') + ' ' + text);
                }
              }
              let need = 0;
              for (const [block, text] of blocks) {
                const s = getComputedStyle(block);
                const line = s.lineHeight === 'normal' ? 1.5 * parseFloat(s.fontSize) : parseFloat(s.lineHeight);
                need += Math.max(1, Math.ceil(widthOf(block, text.trim()) / rootWidth)) * line + 24;
              }
              for (const c of root.querySelectorAll(controls)) {
                if (!hidden(c)) need += c.getBoundingClientRect().height + 24;
              }
              const height = Math.max(scroller.scrollHeight, document.body.scrollHeight);
              const frame = height - root.getBoundingClientRect().height;
              const bound = partsSelector ? -1 : Math.round(frame + slack * need);
              if (bound >= 0 && height > bound) {
                problems.push(`${height} px tall, more than the ${bound} px bound (frame ${Math.round(frame)} px, `
                    + `content needs ${Math.round(need)} px)`);
              }
              return {width: view, height, bound, problems};
            })""";

    /**
     * What the check found on one page at one width.
     *
     * @param width    the window's width, CSS pixels
     * @param height   the page's height, CSS pixels
     * @param bound    the height bound computed for this page, CSS pixels
     * @param problems one sentence per fault; empty when the layout holds
     */
    public record Result(int width, int height, int bound, List<String> problems) {
    }

    private PageLayout() {
    }

    /**
     * @param root CSS selector of the element holding the page's own content (e.g. {@code main}); the rest of the
     *             page counts as frame
     * @return the layout as the browser has it now
     */
    public static Result check(HeadlessChromium chrome, String root) throws Exception {
        return run(chrome, quote(root), "null");
    }

    /**
     * For a page of Keycloak's own that shows parts of ours (the Account Console): only the text inside
     * {@code parts} is checked for width and for sticking out of the window; the page's height and width are
     * Keycloak's, and not bounded here ({@link Result#bound()} is -1).
     *
     * @param parts CSS selector of our parts
     */
    public static Result checkParts(HeadlessChromium chrome, String parts) throws Exception {
        return run(chrome, "'body'", quote(parts));
    }

    private static Result run(HeadlessChromium chrome, String root, String parts) throws Exception {
        JsonNode result = chrome.eval(SCRIPT + "(" + root + ", " + parts + ", " + SLACK + ")");
        List<String> problems = new ArrayList<>();
        result.path("problems").forEach(p -> problems.add(p.asText()));
        return new Result(result.path("width").asInt(), result.path("height").asInt(), result.path("bound").asInt(),
                problems);
    }

    private static String quote(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
