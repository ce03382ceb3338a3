/**
 * Finds the pack's tags in a résumé. Chinese is segmented with jieba (a dictionary-based
 * segmenter: `Intl.Segmenter` splits technical terms and is quadratic on long text), and every
 * synonym in the tag dictionary is added to jieba's dictionary so terms like 微服务 or 分布式事务
 * stay whole. Synonyms are segmented the same way as the résumé and matched as token sequences,
 * so "go" does not match "google" and "java" does not match "javascript".
 */
import type { Tag } from './pack-schema';

export interface Segmenter {
  /** Accurate-mode tokens in order. */
  cut(text: string): string[];
  /** Search-mode tokens: also the shorter words inside long ones (实习生 → 实习). */
  cutForSearch(text: string): string[];
  /** Words that must not be split. Words containing whitespace are ignored (jieba refuses them). */
  addWords(words: readonly string[]): void;
}

interface JiebaWasm {
  cut(text: string, hmm?: boolean | null): string[];
  cut_for_search(text: string, hmm?: boolean | null): string[];
  add_word(word: string, freq?: number | null, tag?: string | null): number;
}

// A variable specifier keeps bundlers from inlining the wasm module into the main bundle.
const JIEBA = 'jieba-wasm';

/**
 * jieba from jieba-wasm (jieba-rs compiled to WebAssembly, its dictionary built in). Pure wasm, so
 * it installs from the registry alone on every platform (the native @node-rs/jieba needs a
 * per-platform binary package that not every registry mirror carries). The module holds one
 * segmenter per process, so one instance serves everything: `JiebaSegmenter.shared()`.
 */
export class JiebaSegmenter implements Segmenter {
  private static sharedInstance: Promise<JiebaSegmenter> | undefined;
  private readonly added = new Set<string>();

  private constructor(private readonly jieba: JiebaWasm) {}

  static shared(): Promise<JiebaSegmenter> {
    JiebaSegmenter.sharedInstance ??= (async () => {
      const mod = (await import(JIEBA)) as JiebaWasm & { default?: JiebaWasm };
      const api = typeof mod.cut === 'function' ? mod : mod.default!;
      return new JiebaSegmenter(api);
    })();
    return JiebaSegmenter.sharedInstance;
  }

  cut(text: string): string[] {
    return this.jieba.cut(text, false);
  }
  cutForSearch(text: string): string[] {
    return this.jieba.cut_for_search(text, false);
  }
  addWords(words: readonly string[]): void {
    // Only words with Chinese characters: a Latin word in jieba's dictionary makes it split longer
    // Latin words around it ("java" would cut "javascript" into "java" + "script").
    const fresh = words.filter((w) => w.length > 1 && /[\u3400-\u9fff]/.test(w) && !/\s/.test(w) && !this.added.has(w));
    for (const w of fresh) {
      this.added.add(w);
      this.jieba.add_word(w, 100_000, 'n');
    }
  }
}

export interface TagHit {
  readonly tagId: string;
  /** How often any of its synonyms occurs. */
  readonly count: number;
  /** The synonyms that occurred, as written in the dictionary. */
  readonly matched: readonly string[];
}

const WORDLIKE = /[\p{L}\p{N}]/u;
const CJK_CHAR = /[\u3400-\u9fff]/;

/** One normal form for résumé and dictionary tokens alike. */
function normToken(t: string): string {
  const s = t.normalize('NFKC').toLowerCase().trim();
  // A light plural fold for English words so "microservices" finds "microservice".
  return /^[a-z]{4,}s$/.test(s) ? s.slice(0, -1) : s;
}

function tokens(seg: Segmenter, text: string, search: boolean): string[] {
  const raw = search ? seg.cutForSearch(text) : seg.cut(text);
  return raw.map(normToken).filter((t) => t.length > 0 && WORDLIKE.test(t));
}

/**
 * Tags whose synonyms occur in the text, most frequent first. Text is processed line by line so
 * one huge line cannot dominate and tokens never join across lines.
 */
export function findTags(seg: Segmenter, text: string, dictionary: readonly Tag[]): TagHit[] {
  const allSynonyms = dictionary.flatMap((t) => [...t.synonyms['zh-CN'], ...t.synonyms.en]);
  seg.addWords(allSynonyms.map((s) => s.normalize('NFKC').toLowerCase()));
  const lower = text.normalize('NFKC').toLowerCase();
  const lines = lower.split(/\n+/).filter((l) => l.trim().length > 0);
  const seqs = lines.map((l) => tokens(seg, l, false));
  const searchSets = lines.map((l) => new Set(tokens(seg, l, true)));
  const hits: TagHit[] = [];
  for (const tag of dictionary) {
    let count = 0;
    const matched: string[] = [];
    const seen = new Set<string>();
    for (const synonym of [...tag.synonyms['zh-CN'], ...tag.synonyms.en]) {
      const needle = tokens(seg, synonym.toLowerCase(), false);
      // The same word listed under both languages counts once.
      const key = needle.join(' ');
      if (needle.length === 0 || seen.has(key)) continue;
      seen.add(key);
      let n = 0;
      seqs.forEach((seq, li) => {
        if (needle.length === 1) {
          const only = needle[0]!;
          const inSeq = seq.filter((t) => t === only).length;
          // Search-mode sub-words help Chinese (实习生 → 实习) only; Latin words must match whole.
          n += inSeq > 0 ? inSeq : CJK_CHAR.test(only) && searchSets[li]!.has(only) ? 1 : 0;
          return;
        }
        for (let i = 0; i + needle.length <= seq.length; i++) {
          if (needle.every((t, k) => seq[i + k] === t)) n++;
        }
      });
      if (n > 0) {
        count += n;
        if (!matched.includes(synonym)) matched.push(synonym);
      }
    }
    if (count > 0) hits.push({ tagId: tag.id, count, matched });
  }
  return hits.sort((a, b) => b.count - a.count || (a.tagId < b.tagId ? -1 : 1));
}
