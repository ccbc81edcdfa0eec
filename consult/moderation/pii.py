"""Likely personal information in a text: where it is and of what kind, so that a
moderator can see it highlighted and redact it.

The moderation pages, `flask consult scan-pii` and bench/pii_eval.py run the same
detector. Each kind is a regular expression per written format, plus the format's own
check where it has one (Luhn for the SIN, the key for the French NIR). Names also take
the person entities of the French language model (consult/nlp.py, loaded on the first
call), kept or dropped by context: a personal title, a relative or a worker named, a
listed first name, and not a public figure (a minister, a president, a law named after
someone). What is found, what is missed and the measured precision and recall are in
docs/pii.md.
"""
import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from consult import nlp

FIRST_NAMES = Path(__file__).resolve().parent.parent / "data" / "first_names.txt"

#: Every kind of finding, in the order they are listed to people.
KINDS = ("email", "phone", "postal_code", "address", "sin", "health_number",
         "social_security", "url", "name")
#: The kinds with a fixed format, for which recall must stay at or above 0.95.
STRUCTURED_KINDS = ("email", "phone", "postal_code", "sin", "health_number", "social_security")
#: When two candidates overlap and have the same length, the more specific kind wins.
_PRIORITY = {kind: rank for rank, kind in enumerate(
    ("email", "url", "social_security", "health_number", "sin", "phone", "postal_code",
     "address", "name"))}


@dataclass(frozen=True)
class Finding:
    """One piece of likely personal information: its kind, where it is, what it says."""

    kind: str
    #: Offsets in characters (Python string indices), `end` excluded.
    start: int
    end: int
    text: str


# Building blocks. Spaces include the no-break spaces of French typography.
_SPACES = " \t\u00a0\u202f"
_S = f"[{_SPACES}]"
_DIGIT_SEP = r"[ .\u00a0\u202f-]"
_UPPER = "A-ZÀ-ÖØ-ÞŒŸ"
#: A capitalised word: Tremblay, Saint-Denis, O'Brien, Côte-des-Neiges, McDonald.
_CAP_WORD = rf"[{_UPPER}](?:[\w\u0300-\u036f]|['’-](?=\w))*"
_CAP_WORD_RE = re.compile(rf"(?<![\w'’\u0300-\u036f-]){_CAP_WORD}")

_EMAIL = re.compile(rf"""
    (?<![\w.+-])
    [\w+-](?:[\w.+-]*[\w+-])?
    (?: @ | {_S}*[\[({{]{_S}*(?i:at|arobase|@){_S}*[\])}}]{_S}* )
    (?: [\w-]+ (?: \. | {_S}*[\[({{]{_S}*(?i:dot|point){_S}*[\])}}]{_S}* ) )+
    [A-Za-z]{{2,}}
    (?![\w-])
""", re.VERBOSE)

_URL = re.compile(r"""
    (?<![\w@./-])
    (?: (?i: https?:// | www\. ) [^\s<>"«»\[\]{}]+
      | (?:[A-Za-z0-9][A-Za-z0-9-]*\.)+
        (?:com|ca|fr|org|net|info|io|be|ch|eu|quebec|co|uk|us|me|ly|app|tv)
        (?![\w-]) (?: /[^\s<>"«»\[\]{}]* )?
    )
""", re.VERBOSE)

_EXTENSION = rf"(?:{_S}*,?{_S}*(?i:poste|post\.|p\.|ext\.?|extension|x){_S}*\d{{1,6}}(?!\d))"
#: North American numbering plan: area code and exchange start with 2 to 9.
_NA_PHONE = re.compile(rf"""
    (?<![\w+]) (?<!\d[ .-])
    (?: \+?1 {_DIGIT_SEP}? )?
    (?: \( [2-9]\d\d \) {_S}? | [2-9]\d\d {_DIGIT_SEP}? )
    [2-9]\d\d {_DIGIT_SEP}? \d{{4}}
    (?!\d)
    {_EXTENSION}?
""", re.VERBOSE)
#: French: ten digits from 0, or +33 / 0033 and nine digits, in pairs or not.
_FR_PHONE = re.compile(rf"""
    (?<![\w+]) (?<!\d[ .-])
    (?: (?:\+|00) 33 {_DIGIT_SEP}? (?: \(0\) {_DIGIT_SEP}? )? [1-9] | 0[1-9] )
    (?: {_DIGIT_SEP}? \d\d ){{4}}
    (?!\d)
""", re.VERBOSE)

#: Canada Post leaves out D, F, I, O, Q and U, and W and Z never come first.
_CA_POSTAL = re.compile(
    r"(?<![\w-])[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][ \u00a0-]?\d[ABCEGHJ-NPRSTV-Z]\d(?![\w-])",
    re.IGNORECASE)
#: A French code (departments 01 to 95, 97, 98) only where an address is being written:
#: before a capitalised town or CEDEX, or after "code postal".
_FR_POSTAL_CODE = r"(?:0[1-9]|[1-8]\d|9[0-578])\d{3}"
_FR_POSTAL_BEFORE_TOWN = re.compile(
    rf"(?<![\w.,-])(?<!\d[ \u00a0]){_FR_POSTAL_CODE}(?=,?{_S}+[{_UPPER}])")
_FR_POSTAL_AFTER_LABEL = re.compile(
    rf"(?:(?i:code{_S}+postal)|\bCP)(?:{_S}*:)?{_S}*({_FR_POSTAL_CODE})(?!\d)")
_FR_POSTAL_BARE = re.compile(rf"(?<![\w.,-]){_FR_POSTAL_CODE}(?![\w-]|[.,]\d)")

_SIN = re.compile(r"""
    (?<![\w.,+-]) (?<!\d[ \u00a0])
    \d{3} ([ \u00a0-]?) \d{3} \1 \d{3}
    (?! [\w+-] | [.,]\d | [ \u00a0]?(?:\$|€|%) | [ \u00a0]\d{3}(?!\d) )
""", re.VERBOSE)

#: Québec health insurance (RAMQ): three letters of the surname, one of the first name,
#: then eight digits, printed "TREM 8505 1512".
_HEALTH_NUMBER = re.compile(r"(?<![\w-])[A-Z]{4}[ \u00a0-]?\d{4}[ \u00a0-]?\d{4}(?![\w-])")

_NIR_SEP = r"[ .\u00a0]"
_SOCIAL_SECURITY = re.compile(rf"""
    (?<![\w.,-]) (?<!\d[ \u00a0])
    (?P<body>
      [1-478] {_NIR_SEP}? \d\d {_NIR_SEP}? \d\d {_NIR_SEP}?
      (?: (?:\d\d|2[AaBb]) {_NIR_SEP}? \d{{3}} | 9[78]\d {_NIR_SEP}? \d\d )
      {_NIR_SEP}? \d{{3}}
    )
    (?: {_NIR_SEP}? (?P<key>\d\d) )?
    (?! [\w-] | {_NIR_SEP}?\d )
""", re.VERBOSE)
#: Without its key, a NIR is taken only when written in its usual groups.
_NIR_SPACED = re.compile(
    r"[1-478] \d\d (?:0[1-9]|1[0-2]|[2-9]\d) (?:(?:\d\d|2[AaBb]) \d{3}|9[78]\d \d\d) \d{3}")

_STREET_TYPE_FR = (r"rue|avenue|av\.|boulevard|boul\.|bd\.?|chemin|ch\.|place|pl\.|route|rte\.?|"
                   r"rang|allée|allee|impasse|cours|quai|montée|montee|côte|croissant|"
                   r"promenade|square|passage|sentier|terrasse|esplanade|ruelle|voie")
_STREET_TYPE_EN = (r"street|st\.?|avenue|ave\.?|road|rd\.?|drive|dr\.?|boulevard|blvd\.?|"
                   r"boul\.?|lane|ln\.?|court|ct\.?|crescent|cres\.?|place|pl\.?|way|terrace|"
                   r"circle|highway|hwy\.?|parkway|square|rue")
_CIVIC = r"(?:\d{1,4}-)?\d{1,5}(?:[ \u00a0-]?(?:bis|ter)|-?[A-Da-d])?(?!\w)"
_PARTICLE = r"(?:(?:de(?:\s+la)?|des|du|la|le|les|of|the)\s+|(?:de\s+)?[dlDL]['’])"
_ORDINAL = r"\d{1,3}(?:e|er|re|ème|eme|st|nd|rd|th)?(?!\w)"
_DIRECTION = rf"(?:{_S}+(?:Est|Ouest|Nord|Sud|East|West|North|South|[EONSW]\.?)(?![\w-]))"
_UNIT = (rf"(?:,?{_S}*(?i:app\.?|appartement|apt\.?|apartment|unit|unité|suite|bureau|"
         rf"logement|[#]){_S}*[#]?{_S}*\d{{1,5}}[A-Za-z]?(?!\w))")
_ADDRESS_FR = re.compile(rf"""
    (?<![\w.,/-]) {_CIVIC} ,? {_S}+
    (?i:{_STREET_TYPE_FR}) (?!\w) {_S}+
    {_PARTICLE}? (?: {_CAP_WORD} | {_ORDINAL} )
    (?: {_S}+ {_PARTICLE}? {_CAP_WORD} ){{0,2}}
    {_DIRECTION}? {_UNIT}?
""", re.VERBOSE)
_ADDRESS_EN = re.compile(rf"""
    (?<![\w.,/-]) {_CIVIC} ,? {_S}+
    (?P<street>
      (?: (?:St\.?|Saint|Mount|Mt\.?) {_S}+ )?
      (?: {_CAP_WORD} | {_ORDINAL} ) (?: {_S}+ {_CAP_WORD} ){{0,2}}
    ) {_S}+
    (?i:{_STREET_TYPE_EN}) (?!\w)
    {_DIRECTION}? {_UNIT}?
""", re.VERBOSE)
#: The last word of a span: an address pattern may have taken in an ordinary word.
_LAST_WORD = re.compile(rf"{_S}+([\w'’.-]+)$")
#: What may separate a street address from the French postal code that follows it.
_ADDRESS_TO_POSTAL_CODE = re.compile(rf"[,{_SPACES}]*")

_TITLE = re.compile(rf"""
    (?<![\w.'’-])
    (?: M\. | MM\. | Mmes?\.? | Mlle\.? | Dre?\.? | Me | Mr\.? | Mrs\.? | Ms\.? | Miss | Pr\.?
      | Prof\.? | (?i: madame | monsieur | mademoiselle | docteure? | doctor | ma[iî]tre
                     | professeure? | professor ) )
    {_S}+
    (?P<name>
      (?: (?:de|du|des|van|von|da|di) {_S}+ )?
      (?: [{_UPPER}]\. {_S}? )?
      {_CAP_WORD} (?: {_S}+ {_CAP_WORD} ){{0,2}}
    )
""", re.VERBOSE)
_BETWEEN_NAMES = re.compile(rf"{_S}+")
_PREVIOUS_WORD = re.compile(rf"(?<![\w'’-])([\w'’-]+)\.?{_S}+\Z")
#: Capitalised surname particles: Le Blanc, De Grandpré, Van Houten.
_SURNAME_PARTICLES = frozenset({"le", "la", "de", "du", "des", "van", "von", "da", "di", "mac"})


@lru_cache(maxsize=4096)
def _fold(word: str) -> str:
    """`word` without accents, in lower case: the key for the word lists."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _word_set(words: str) -> frozenset[str]:
    return frozenset(_fold(word) for word in words.split())


#: Days and months: "3 March Dr Smith" is a date followed by a name, not an address.
_DATE_WORDS = _word_set("""
    lundi mardi mercredi jeudi vendredi samedi dimanche monday tuesday wednesday
    thursday friday saturday sunday janvier fevrier mars avril mai juin juillet aout
    septembre octobre novembre decembre january february march september october
    november december
""")
#: Words that, capitalised, still are not names: function words, pronouns, dates.
_ORDINARY_WORDS = _DATE_WORDS | _word_set("""
    le la les l the a an de du des d et and ou or un une au aux en dans pour par sur
    avec sans mais but je j il elle ils elles on nous vous tu they we i you he she it
    ce cet cette ces this that these those son sa ses his her their mon ma mes my
    notre nos our votre vos your leur leurs qui que quand when where who what how why
    if si comme as so then alors puis donc since depuis apres after avant before
    at to of in on by from with for not pas ne oui non yes no merci thanks god dieu
""")
#: Words after which a first name and a surname name a place or an institution
#: (Fondation Jean Lapointe, Saint Jean Baptiste, Hôpital Pierre Boucher).
_NAMED_AFTER = _word_set("""
    saint sainte st ste mont lac fort port pointe cap ile fondation foundation hopital
    hospital ecole school college cegep universite university pavillon centre center
    parc park rue avenue av boulevard boul bd chemin ch street institut institute
    clinique clinic residence maison prix award bibliotheque library station metro pont
    bridge place square salle hall chsld clsc journee day famille
""")
#: Capitalised words that cannot be a surname: the above, the words of institutions and
#: places, the acronyms of the social services.
_NOT_SURNAMES = _ORDINARY_WORDS | _NAMED_AFTER | _word_set("""
    services service ministere ministry ville city quartier office bureau eglise church
    house day jour garden jardin market marche airport aeroport building tower stadium
    stade arena mall quebec montreal canada france paris ontario
    dpj ciusss cisss ramq caf cpam hlm omh ase pmi ccas cmp crds ehpad ssa tal dpcp
    ivac csst cnesst
""")


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """The first names of consult/data/first_names.txt, without accents, in lower case."""
    with FIRST_NAMES.open(encoding="utf-8") as handle:
        return frozenset(_fold(line.strip()) for line in handle
                         if line.strip() and line[0] != "#")


def _is_first_name(word: str) -> bool:
    parts = word.split("-")
    return all(_fold(part) in first_names() for part in parts)


def _is_surname(word: str) -> bool:
    folded = _fold(word)
    return len(folded) >= 2 and folded not in _NOT_SURNAMES and not folded.isdigit()


def _without_possessive(word_end: int, text: str) -> int:
    """Marie's -> Marie: the possessive is not part of the name."""
    if text[word_end - 2:word_end] in ("'s", "’s"):
        return word_end - 2
    return word_end


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _sin_valid(number: str) -> bool:
    """Nine digits passing the Luhn check, as every social insurance number does."""
    return _luhn_valid(re.sub(r"\D", "", number))


def _nir_key(body: str) -> int:
    """The key of a NIR's 13 characters (Corsica's 2A and 2B count as 19 and 18)."""
    digits = re.sub(r"[^\dAB]", "", body.upper()).replace("2A", "19").replace("2B", "18")
    return 97 - int(digits) % 97


def _candidates(text: str):
    """Every candidate (kind, start, end), overlapping ones included."""
    for match in _EMAIL.finditer(text):
        yield "email", match.start(), match.end()
    for match in _URL.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in ".,;:!?»\"'’":
            end -= 1
        if text[end - 1] == ")" and text.count("(", match.start(), end) < text.count(
                ")", match.start(), end):
            end -= 1
        yield "url", match.start(), end
    for pattern in (_NA_PHONE, _FR_PHONE):
        for match in pattern.finditer(text):
            yield "phone", match.start(), match.end()
    for match in _CA_POSTAL.finditer(text):
        yield "postal_code", match.start(), match.end()
    for match in _SIN.finditer(text):
        if _sin_valid(match.group()):
            yield "sin", match.start(), match.end()
    for match in _HEALTH_NUMBER.finditer(text):
        yield "health_number", match.start(), match.end()
    for match in _SOCIAL_SECURITY.finditer(text):
        key = match.group("key")
        if key is not None and int(key) == _nir_key(match.group("body")):
            yield "social_security", match.start(), match.end()
        elif key is None and _NIR_SPACED.fullmatch(match.group("body").replace("\u00a0", " ")):
            yield "social_security", match.start(), match.end()
    address_ends = []
    for pattern in (_ADDRESS_FR, _ADDRESS_EN):
        for match in pattern.finditer(text):
            street = match.groupdict().get("street")
            if street and any(_fold(word) in _DATE_WORDS for word in street.split()):
                continue  # "On 3 March Dr Smith" is a date, not 3 March Drive
            end = _without_ordinary_words(text, match.start(), match.end())
            address_ends.append(end)
            yield "address", match.start(), end
    yield from _french_postal_codes(text, address_ends)
    yield from _private_names(text)


def _without_ordinary_words(text: str, start: int, end: int) -> int:
    """The end of a span without its trailing ordinary words (The, Lundi, …)."""
    while True:
        match = _LAST_WORD.search(text, start, end)
        if match is None or _fold(match.group(1).rstrip(".")) not in _ORDINARY_WORDS:
            return end
        end = match.start()


def _french_postal_codes(text: str, address_ends: list[int]):
    """French codes before a town, after "code postal", or right after a street address."""
    for match in _FR_POSTAL_BEFORE_TOWN.finditer(text):
        yield "postal_code", match.start(), match.end()
    for match in _FR_POSTAL_AFTER_LABEL.finditer(text):
        yield "postal_code", match.start(1), match.end(1)
    if address_ends:
        for match in _FR_POSTAL_BARE.finditer(text):
            if any(end <= match.start()
                   and _ADDRESS_TO_POSTAL_CODE.fullmatch(text, end, match.start())
                   for end in address_ends):
                yield "postal_code", match.start(), match.end()


def _names(text: str):
    """Names after a title (Mme Tremblay, Dr. Smith), and a listed first name followed by a
    capitalised surname (Marie Tremblay, Marie Ève Tremblay, Kevin O'Brien)."""
    for match in _TITLE.finditer(text):
        start, end = match.span("name")
        words = list(_CAP_WORD_RE.finditer(text, start, end))
        kept = []
        for word in words:
            if _fold(word.group()) in _NOT_SURNAMES:
                break
            kept.append(word)
        if kept:
            yield "name", start, _without_possessive(kept[-1].end(), text)
    words = list(_CAP_WORD_RE.finditer(text))
    for index, word in enumerate(words):
        if not _is_first_name(word.group()) or _named_after(text, word.start()):
            continue
        following = _adjacent_words(text, words, index)
        if following and _is_first_name(following[0].group()) and len(following) > 1 \
                and _is_surname(following[1].group()):
            surname_index = 1
        elif following and _is_surname(following[0].group()):
            surname_index = 0
        else:
            continue
        last = following[surname_index]
        if _fold(last.group()) in _SURNAME_PARTICLES and len(following) > surname_index + 1:
            last = following[surname_index + 1]
        yield "name", word.start(), _without_possessive(last.end(), text)


def _named_after(text: str, start: int) -> bool:
    """Whether the word before `start` makes what follows a place or an institution."""
    previous = _PREVIOUS_WORD.search(text, max(0, start - 16), start)
    return previous is not None and _fold(previous.group(1)) in _NAMED_AFTER


def _adjacent_words(text: str, words: list, index: int) -> list:
    """The (up to three) capitalised words that follow words[index], separated by spaces."""
    following, previous = [], words[index]
    for word in words[index + 1:index + 4]:
        if not _BETWEEN_NAMES.fullmatch(text, previous.end(), word.start()):
            break
        following.append(word)
        previous = word
    return following


#: Public offices: a name right after one (within the clause) or in apposition after the
#: name is a public figure's (la ministre Chantal Rouleau; Simone Veil, ministre de la Santé).
_OFFICE = (r"ministre|minister|premi[eè]re?\s+ministre|premier|pr[ée]sidente?|president|"
           r"d[ée]put[ée]e?|s[ée]nat(?:eur|rice)|senator|mp|maire|mairesse|mayor|"
           r"gouverneure?|governor|roi|reine|king|queen|pape|pope")
_OFFICE_BEFORE = re.compile(rf"(?i:\b(?:{_OFFICE})\b)[^.!?;:()]{{0,25}}\Z")
_OFFICE_AFTER = re.compile(
    rf"{_S}*,{_S}*(?i:(?:l['’]\s*|le\s+|la\s+|the\s+|former\s+|ancien(?:ne)?\s+)?(?:{_OFFICE})\b)")
#: Things named after a public figure: la loi Veil, le rapport Laurent, the Trudeau
#: government, le gouvernement de René Lévesque.
_EPONYM = r"loi|rapport|commission|r[ée]forme|gouvernement|law|act|report|reform"
_EPONYM_BEFORE = re.compile(rf"(?i:\b(?:{_EPONYM})(?:{_S}+(?:de|d['’]|du|of))?){_S}*\Z")
_EPONYM_AFTER = re.compile(rf"{_S}+(?i:government|administration|era|report|act)\b")
#: A quoted maxim: comme le disait Victor Hugo; As Martin Luther King said.
_QUOTED_BEFORE = re.compile(
    rf"(?i:\bcomme{_S}+(?:le{_S}+|l['’]{_S}*)?(?:disait|[ée]crivait|dit|a{_S}+dit|a{_S}+[ée]crit)){_S}+\Z")
_QUOTED_AROUND = re.compile(rf"(?<![\w'’-])As{_S}+\Z")
_QUOTED_AFTER = re.compile(rf"(?:{_S}+[{_UPPER}][\w'’-]*)?{_S}+(?:said|wrote|put it)\b")
#: Relatives and workers: a capitalised word after one is a name (mon voisin Rachid,
#: ma voisine de palier, Aminata Traoré; My wife Xiomara Reyes; the nurse, Jasmine).
_RELATION = (r"voisine?|fils|fille|fr[eè]re|s[oœ]eur|m[eè]re|p[eè]re|conjointe?|mari|femme|"
             r"[ée]pou(?:x|se)|amie?|copain|copine|chum|blonde|cousine?|oncle|tante|"
             r"grand-m[eè]re|grand-p[eè]re|petite?-fils|petite-fille|enfant|coll[eè]gue|"
             r"intervenante?|travailleu(?:r|se)|[ée]ducat(?:eur|rice)|superviseure?|"
             r"pr[ée]pos[ée]e?|infirmi[eè]re?|avocate?|propri[ée]taire|patronne?|"
             r"neighbou?r|son|daughter|brother|sister|mother|father|mom|mum|dad|husband|"
             r"wife|partner|friend|cousin|uncle|aunt|grandmother|grandfather|grandson|"
             r"granddaughter|child|kid|worker|caseworker|nurse|supervisor|landlord|landlady|"
             r"boss|colleague|lawyer|therapist")
#: Right after the word (mon voisin Rachid), or after its complement and a comma (ma
#: voisine de palier, Aminata Traoré), or after "s'appelle", "my name is", "named".
_RELATION_BEFORE = re.compile(
    rf"(?i:\b(?:{_RELATION})(?:{_S}+|(?:{_S}+[\w'’-]+){{0,4}}{_S}*,{_S}*)"
    rf"|\b(?:s['’]appelle|m['’]appelle|name{_S}+is|named|called){_S}+)\Z")
#: The X family, la famille X.
_FAMILY_AFTER = re.compile(rf"{_S}+(?i:family)\b")
_FAMILY_BEFORE = re.compile(rf"(?i:\bfamille){_S}+\Z")
#: A surname then a comma at the start of a sentence, before a first name: Tremblay, Marie.
_SURNAME_FIRST = re.compile(rf"(?:\A|[.!?\n]{_S}*)({_CAP_WORD}),{_S}+\Z")
_SENTENCE_START = re.compile(rf"(?:\A|[.!?:;…«»\"“”(\n]){_S}*[\"“«(]?{_S}*\Z")


def _is_title_or_office(word: str) -> bool:
    return bool(_TITLE.match(word + " X") or re.fullmatch(rf"(?i:{_OFFICE})\.?", word)
                or word.rstrip(".") in ("M", "MM"))


def _is_name_word(word: str) -> bool:
    """A capitalised word that may be part of a name: not a title, an office, an ordinary
    or place word, an acronym, nor anything with digits."""
    return (_is_surname(word) and not _is_title_or_office(word)
            and not any(c.isdigit() for c in word) and not (len(word) > 1 and word.isupper()))


def _is_public(text: str, start: int, end: int) -> bool:
    """Whether the name at start:end is a public figure's, by its context."""
    before = text[max(0, start - 60):start]
    after = text[end:end + 40]
    surname = text[start:end].split()[-1]
    eponym_elsewhere = re.search(
        rf"(?i:\b(?:{_EPONYM})){_S}+{re.escape(surname)}(?![\w'’-])", text)
    return bool(
        _OFFICE_BEFORE.search(before) or _OFFICE_AFTER.match(after)
        or _EPONYM_BEFORE.search(before) or _EPONYM_AFTER.match(after)
        or _QUOTED_BEFORE.search(before)
        or (_QUOTED_AROUND.search(before) and _QUOTED_AFTER.match(after))
        or eponym_elsewhere)


def _name_words(text: str, start: int, end: int) -> list:
    """The longest run of adjacent capitalised words in start:end that may make a name:
    no title, no ordinary word, no digits, no place or institution word."""
    best, run, previous = [], [], None
    for word in _CAP_WORD_RE.finditer(text, start, end):
        usable = _is_name_word(word.group())
        adjacent = previous is not None and _BETWEEN_NAMES.fullmatch(
            text, previous.end(), word.start())
        if not usable:
            run = []
        elif run and adjacent:
            run.append(word)
        else:
            run = [word]
        previous = word
        if len(run) > len(best):
            best = list(run)
    return best


def _model_names(text: str):
    """The language model's person entities that look like a first name and a surname."""
    for label, start, end in nlp.entities(text):
        if label != "PER":
            continue
        words = _name_words(text, start, end)
        if len(words) >= 2 and not _named_after(text, words[0].start()):
            yield "name", words[0].start(), _without_possessive(words[-1].end(), text)


def _context_names(text: str):
    """A name without a listed first name and surname, found by its context: a listed
    first name on its own within a sentence (vers Karine, and Tyler stayed), capitalised
    words after a relative or a worker (mon voisin Rachid, my wife Xiomara Reyes), the X
    family."""
    words = list(_CAP_WORD_RE.finditer(text))
    for index, word in enumerate(words):
        value = word.group()
        if not _is_name_word(value) or _named_after(text, word.start()):
            continue
        if index and _BETWEEN_NAMES.fullmatch(text, words[index - 1].end(), word.start()) \
                and _is_name_word(words[index - 1].group()):
            continue  # not the first word of the name
        kept = [word]
        for following in _adjacent_words(text, words, index)[:2]:
            if not _is_name_word(following.group()):
                break
            kept.append(following)
        start, end = word.start(), _without_possessive(kept[-1].end(), text)
        before = text[max(0, start - 60):start]
        at_sentence_start = _SENTENCE_START.search(text[max(0, start - 5):start]) is not None
        if text[end:end + 1] in ("-", "’", "'") or text[start - 1:start] == "-":
            continue  # part of a compound: Saint-Jérôme, Marie-Victorin
        if _RELATION_BEFORE.search(before) and not at_sentence_start:
            yield "name", start, end
        elif len(kept) == 1 and (_FAMILY_AFTER.match(text, end)
                                 or _FAMILY_BEFORE.search(before)):
            yield "name", start, end
        elif len(kept) == 1 and _is_first_name(value):
            surname_first = _SURNAME_FIRST.search(text, max(0, start - 40), start)
            if surname_first and _is_name_word(surname_first.group(1)) \
                    and not _is_first_name(surname_first.group(1)):
                yield "name", surname_first.start(1), end  # Tremblay, Marie
            elif not at_sentence_start:
                yield "name", start, end


def _private_names(text: str):
    """Every name candidate, public figures left out."""
    candidates = list(_names(text))
    if text.strip():
        candidates += _model_names(text)
        candidates += _context_names(text)
    for kind, start, end in candidates:
        if not _is_public(text, start, end):
            yield kind, start, end


def find_personal_information(text: str) -> list[Finding]:
    """The likely personal information in `text`, sorted by position, never overlapping:
    of two overlapping candidates the longer is kept (the more specific on a tie)."""
    candidates = sorted(set(_candidates(text)),
                        key=lambda c: (c[1] - c[2], _PRIORITY[c[0]], c[1]))
    starts: list[int] = []  # of the kept findings, which never overlap: sorted, and so
    ends: list[int] = []    # are their ends
    kinds: list[str] = []
    for kind, start, end in candidates:
        index = bisect.bisect_right(starts, start)
        if end <= start or (index and ends[index - 1] > start) or (
                index < len(starts) and starts[index] < end):
            continue
        starts.insert(index, start)
        ends.insert(index, end)
        kinds.insert(index, kind)
    return [Finding(kind, start, end, text[start:end])
            for kind, start, end in zip(kinds, starts, ends)]
