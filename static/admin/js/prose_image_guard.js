// The body editor's images survive typing (an extension of the editor,
// loaded through DJANGO_PROSE_EDITOR_EXTENSIONS in settings). Out of the
// box, a clicked (selected) image is replaced by each key typed, leaving an
// empty <figure><img></figure> shell around every letter. Here:
// - typing while an image (or its figure) is selected writes into a new
//   paragraph after the figure: the image stays as it was;
// - Enter on a selected image, or in a caption, goes to a new paragraph
//   after the figure (a caption is one line: Enter leaves it);
// - Backspace or Delete on a selected image removes the whole figure, its
//   caption too, in one step (undo brings it back);
// - any change that still leaves an image without an address, or a figure
//   without an image (a paste, a drop), is followed by removing them.
// The server drops the same shells (articles/html.py), so none is stored.
import { Extension, pm } from "django-prose-editor/editor";

const { NodeSelection, Plugin, PluginKey, TextSelection } = pm.state;

// The figure a selection is on or in: {node, pos}, or null.
function selectedFigure(selection) {
  if (selection instanceof NodeSelection) {
    const name = selection.node.type.name;
    if (name === "figure") return { node: selection.node, pos: selection.from };
    if (name === "image") {
      const $pos = selection.$from;
      if ($pos.parent.type.name === "figure") {
        return { node: $pos.parent, pos: $pos.before() };
      }
    }
  }
  return null;
}

// The figure whose caption holds the caret. Read from the page's own
// selection: the editor's may not have caught up with a key pressed just
// before (End, then Enter at once).
function captionAround(view) {
  let $from = view.state.selection.$from;
  const dom = view.root.getSelection();
  if (dom && dom.focusNode && view.dom.contains(dom.focusNode)) {
    $from = view.state.doc.resolve(view.posAtDOM(dom.focusNode, dom.focusOffset));
  }
  for (let depth = $from.depth; depth > 0; depth--) {
    if ($from.node(depth).type.name === "caption" && $from.node(depth - 1).type.name === "figure") {
      return { node: $from.node(depth - 1), pos: $from.before(depth - 1) };
    }
  }
  return null;
}

// A new paragraph after the figure, holding `text`, with the caret at its end.
function writeAfter(state, figure, text) {
  const paragraph = state.schema.nodes.paragraph;
  const after = figure.pos + figure.node.nodeSize;
  const content = text ? state.schema.text(text) : null;
  const tr = state.tr.insert(after, paragraph.create(null, content));
  return tr.setSelection(TextSelection.create(tr.doc, after + 1 + (text ? text.length : 0)))
    .scrollIntoView();
}

function isEmptyShell(node) {
  if (node.type.name === "image") return !node.attrs.src;
  if (node.type.name === "figure") {
    let image = false;
    node.forEach((child) => {
      if (child.type.name === "image" && child.attrs.src) image = true;
    });
    return !image;
  }
  return false;
}

export const ImageGuard = Extension.create({
  name: "imageGuard",

  addProseMirrorPlugins() {
    return [
      new Plugin({
        key: new PluginKey("imageGuard"),
        props: {
          handleTextInput(view, from, to, text) {
            const figure = selectedFigure(view.state.selection);
            if (!figure) return false;
            view.dispatch(writeAfter(view.state, figure, text));
            return true;
          },
          handleKeyDown(view, event) {
            if (event.isComposing) return false;
            const { state } = view;
            const figure = selectedFigure(state.selection);
            if (event.key === "Enter" && !event.shiftKey) {
              const target = figure || captionAround(view);
              if (!target) return false;
              view.dispatch(writeAfter(state, target, ""));
              return true;
            }
            if (figure && (event.key === "Backspace" || event.key === "Delete")) {
              view.dispatch(state.tr.delete(figure.pos, figure.pos + figure.node.nodeSize).scrollIntoView());
              return true;
            }
            return false;
          },
        },
        appendTransaction(transactions, oldState, newState) {
          if (!transactions.some((tr) => tr.docChanged)) return null;
          const shells = [];
          newState.doc.descendants((node, pos) => {
            if (isEmptyShell(node)) {
              shells.push({ from: pos, to: pos + node.nodeSize });
              return false;
            }
            return true;
          });
          if (!shells.length) return null;
          const tr = newState.tr;
          for (const shell of shells.reverse()) tr.delete(shell.from, shell.to);
          return tr;
        },
      }),
    ];
  },
});
