"""Reference values for the TF-IDF baseline (src-main/core/ssl/methods/tfidf.ts), from scikit-learn.

The features are scikit-learn's own: a FeatureUnion of TfidfVectorizer(analyzer='word') and
TfidfVectorizer(analyzer='char_wb'), each with sublinear_tf=True, smooth_idf=True, norm='l2' (the
defaults lowercase and token_pattern r"(?u)\\b\\w\\w+\\b" kept), for two settings of the n-gram
ranges and min_df. Each document's non-zero entries are saved by term ("w:" or "c:" and the n-gram),
so the test does not depend on the column order. TruncatedSVD(algorithm='arpack') of the same
matrix gives the singular values and each document's coordinates (X·Vᵀ) that the randomized SVD
must reproduce up to the sign of each component.
Run: /usr/bin/python3 scripts/make-tfidf-reference.py > test/fixtures/tfidf-reference.json
"""
import json

import numpy as np
import sklearn
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

CORPUS = [
    "The cat sat on the mat.",
    "The dog sat on the log, and the cat watched.",
    "A stitch in time saves nine.",
    "Time flies like an arrow; fruit flies like a banana.",
    "To be, or not to be: that is the question.",
    "All that glitters is not gold.",
    "The early bird catches the worm, but the second mouse gets the cheese.",
    "Never put off till tomorrow what you can do the day after tomorrow.",
    "Computers are useless. They can only give you answers.",
    "There are 10 kinds of people: those who understand binary and those who don't.",
    "Real programmers don't comment their code; if it was hard to write, it should be hard to read.",
    "It works on my machine.",
    "rm -rf / is not a backup strategy",
    "Debian: the universal operating system",
    "Linux is only free if your time has no value.",
    "In theory there is no difference between theory and practice. In practice there is.",
    "Café au lait, naïve façade, and a résumé.",
    "東京は日本の首都です",
    "Emoji 🎉 party 🎉 time",
    "snake_case and camelCase and kebab-case",
    "Tabs\tand    several   spaces\nand newlines",
    "x",
    "",
    "I I I a a a",
    "The law is an ass.",
    "Ignorance of the law excuses no one.",
    "A lawyer with a briefcase can steal more than a man with a gun.",
    "Love is blind; marriage is the eye-opener.",
    "Love conquers all things except poverty and toothache.",
    "The course of true love never did run smooth.",
    "An apple a day keeps the doctor away.",
    "The doctor of the future will give no medicine.",
    "Medicine is a science of uncertainty and an art of probability.",
    "Science is organized knowledge. Wisdom is organized life.",
    "The good thing about science is that it's true whether or not you believe in it.",
    "Knowledge speaks, but wisdom listens.",
    "Turn your wounds into wisdom.",
    "Work expands so as to fill the time available for its completion.",
    "Nothing is really work unless you would rather be doing something else.",
    "Hard work never killed anybody, but why take a chance?",
]

SETTINGS = [
    {"word": [1, 2], "char": [2, 4], "min_df": 1},
    {"word": [1, 1], "char": [3, 5], "min_df": 2},
]


def features(setting):
    return FeatureUnion([
        ("w", TfidfVectorizer(analyzer="word", ngram_range=tuple(setting["word"]), sublinear_tf=True, smooth_idf=True, norm="l2", min_df=setting["min_df"])),
        ("c", TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(setting["char"]), sublinear_tf=True, smooth_idf=True, norm="l2", min_df=setting["min_df"])),
    ])


cases = []
for setting in SETTINGS:
    union = features(setting)
    x = union.fit_transform(CORPUS).tocsr()
    names = [f"{block}:{term}" for block, vectorizer in union.transformer_list for term in vectorizer.get_feature_names_out()]
    rows = []
    for r in range(x.shape[0]):
        start, end = x.indptr[r], x.indptr[r + 1]
        rows.append({names[c]: float(v) for c, v in zip(x.indices[start:end], x.data[start:end])})
    svd = TruncatedSVD(n_components=6, algorithm="arpack", random_state=0)
    coordinates = svd.fit_transform(x)
    cases.append({
        **setting,
        "columns": len(names),
        "idf": {f"{block}:{term}": float(idf) for block, vectorizer in union.transformer_list for term, idf in zip(vectorizer.get_feature_names_out(), vectorizer.idf_)},
        "rows": rows,
        "singular_values": svd.singular_values_.tolist(),
        "coordinates": np.round(coordinates, 12).tolist(),
    })

print(json.dumps({"source": f"scikit-learn {sklearn.__version__}", "corpus": CORPUS, "cases": cases}, ensure_ascii=False, indent=1))
