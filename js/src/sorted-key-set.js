// An ordered set of string keys (in key-order.js's bytewise order) as a
// B+tree: add, delete and finding where a scan starts cost O(log n), and a
// scan walks the linked leaves. MemoryStorage keeps its keys here; a plain
// sorted array with splice made every insert O(n), so a push of n objects
// cost O(n²).
import { beforeFor } from './key-order.js';

// Keys per leaf and children per inner node at most. A split leaves two
// halves; a node under a quarter full merges with a neighbour when the two
// fit in one (or borrows from it), so no node stays nearly empty and
// alternating adds and deletes at a boundary cannot split and merge each time.
const LEAF_CAPACITY = 256;
const INNER_CAPACITY = 128;

class Leaf {
  keys = [];
  next = null; // the leaf to the right, for scans
}

// separators[i] is a lower bound of children[i + 1]'s keys and greater than every key of children[i].
class Inner {
  separators = [];
  children = [];
}

// First index in sorted `keys` whose key is >= probe; one comparison per step.
function lowerBound(keys, probe, before) {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(keys[mid], probe)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// First index in sorted `keys` whose key is > probe.
function upperBound(keys, probe, before) {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(probe, keys[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export class SortedKeySet {
  #root = new Leaf();
  #size = 0;

  get size() {
    return this.#size;
  }

  // The leaf where `key` is or would be, and the inner nodes above it with the child index taken.
  #descend(key, before) {
    const path = [];
    let node = this.#root;
    while (node instanceof Inner) {
      const index = upperBound(node.separators, key, before);
      path.push({ node, index });
      node = node.children[index];
    }
    return { leaf: node, path };
  }

  // Adds `key`; false when it was there already.
  add(key) {
    const before = beforeFor(key);
    const { leaf, path } = this.#descend(key, before);
    const at = lowerBound(leaf.keys, key, before);
    if (at < leaf.keys.length && leaf.keys[at] === key) return false;
    leaf.keys.splice(at, 0, key);
    this.#size += 1;
    if (leaf.keys.length > LEAF_CAPACITY) this.#splitUp(leaf, path);
    return true;
  }

  // Splits an overfull node in two, inserting the right half into its parent, up to the root.
  #splitUp(node, path) {
    for (let level = path.length; ; level--) {
      let right;
      let separator;
      if (node instanceof Leaf) {
        right = new Leaf();
        right.keys = node.keys.splice(node.keys.length >>> 1);
        right.next = node.next;
        node.next = right;
        separator = right.keys[0];
      } else {
        const half = node.children.length >>> 1;
        right = new Inner();
        right.children = node.children.splice(half);
        right.separators = node.separators.splice(half);
        separator = node.separators.pop(); // moves up: it now separates node from right
      }
      if (level === 0) {
        const root = new Inner();
        root.children = [node, right];
        root.separators = [separator];
        this.#root = root;
        return;
      }
      const { node: parent, index } = path[level - 1];
      parent.children.splice(index + 1, 0, right);
      parent.separators.splice(index, 0, separator);
      if (parent.children.length <= INNER_CAPACITY) return;
      node = parent;
    }
  }

  // Removes `key`; false when it was not there.
  delete(key) {
    const before = beforeFor(key);
    const { leaf, path } = this.#descend(key, before);
    const at = lowerBound(leaf.keys, key, before);
    if (at === leaf.keys.length || leaf.keys[at] !== key) return false;
    leaf.keys.splice(at, 1);
    this.#size -= 1;
    // A separator equal to the removed key stays: it is still a valid bound.
    this.#rebalanceUp(leaf, path);
    return true;
  }

  // Refills or merges an underfull node with a neighbour, up to the root.
  #rebalanceUp(node, path) {
    for (let level = path.length; level > 0; level--) {
      const entries = (n) => (n instanceof Leaf ? n.keys.length : n.children.length);
      const capacity = node instanceof Leaf ? LEAF_CAPACITY : INNER_CAPACITY;
      if (entries(node) >= capacity >>> 2) return;
      const { node: parent, index } = path[level - 1];
      // The pair (left, right) at parent.children[i], [i + 1], with `node` one of them.
      const i = index > 0 ? index - 1 : index;
      if (i + 1 >= parent.children.length) break; // an only child: nothing to merge with
      const left = parent.children[i];
      const right = parent.children[i + 1];
      if (entries(left) + entries(right) <= capacity) {
        if (left instanceof Leaf) {
          left.keys.push(...right.keys);
          left.next = right.next;
        } else {
          left.separators.push(parent.separators[i], ...right.separators);
          left.children.push(...right.children);
        }
        parent.children.splice(i + 1, 1);
        parent.separators.splice(i, 1);
        node = parent;
        continue;
      }
      // Too many for one node: move one entry across to the underfull side.
      this.#borrow(parent, i, left, right, node === left);
      return;
    }
    // The root: an inner node left with one child hands the root to it.
    while (this.#root instanceof Inner && this.#root.children.length === 1) this.#root = this.#root.children[0];
  }

  // Moves one entry between siblings parent.children[i] (left) and [i + 1] (right).
  #borrow(parent, i, left, right, intoLeft) {
    if (left instanceof Leaf) {
      if (intoLeft) left.keys.push(right.keys.shift());
      else right.keys.unshift(left.keys.pop());
      parent.separators[i] = right.keys[0];
    } else if (intoLeft) {
      left.children.push(right.children.shift());
      left.separators.push(parent.separators[i]);
      parent.separators[i] = right.separators.shift();
    } else {
      right.children.unshift(left.children.pop());
      right.separators.unshift(parent.separators[i]);
      parent.separators[i] = left.separators.pop();
    }
  }

  // Keys >= `start` in order (an iterator; the set must not change while it runs).
  *keysFrom(start) {
    const before = beforeFor(start);
    let { leaf } = this.#descend(start, before);
    let at = lowerBound(leaf.keys, start, before);
    while (leaf !== null) {
      for (; at < leaf.keys.length; at++) yield leaf.keys[at];
      leaf = leaf.next;
      at = 0;
    }
  }
}
