"""English word lists: the grader's first language, and the one it falls back on."""

from __future__ import annotations

import re

from worker.diff._wordlists import Numerals, WordLists, words

FUNCTION_WORDS = frozenset(
    words("""
a an the this that these those such some any each every either neither both all another other
of in on at to for from by with without into onto upon over under about above below between
among amongst amid amidst through throughout across against during before after since until till
toward towards within beyond around near off out up down via per than as like unlike despite
along alongside behind beside besides beneath inside outside
and or but nor so yet if whether because while whilst whereas although though unless once then
also
not no never too very quite rather just only even still already again ever however thus
therefore hence
i me my mine we us our ours you your yours he him his she her hers it its they them their
theirs himself herself itself themselves myself ourselves yourself who whom whose which what
where when why how there here
is are was were be been being am has have had having do does did doing done get got gets
s t d ll ve re m st nd rd th don doesn didn isn wasn aren weren hasn haven hadn couldn wouldn
shouldn
""")
)
# Words that stand for someone or something named elsewhere, and those that open a
# description of one ('the organisation', 'their leader').
PRONOUNS = frozenset(
    words("he him his she her hers it its they them their theirs this these those which who")
)
DETERMINERS = frozenset(words("the this that these those his her its their"))
HONORIFICS = frozenset(
    words("""
mr mrs ms mx miss dr prof sir dame lord lady rev fr sr jr st herr frau mme mlle
""")
)
# Words that date or time a fact: days, months, relative days, parts of the day.
TIME_WORDS = frozenset(
    words("""
monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri
sat sun january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec today yesterday tomorrow tonight
morning afternoon evening night overnight midnight noon midday dawn dusk weekend
earlier later recently week weeks month months year years decade decades
""")
)
# Month and day names that are also common words: a time word only when capitalised.
CAPITALISED_TIME_WORDS = frozenset({"may", "march", "sun", "sat", "wed", "jan", "dec"})
# Verbs that attribute a statement (by stem: said, says, saying -> say).
REPORTING = frozenset(
    words("""
say said tell told state claim allege admit deny insist argue suggest report announce confirm
assert contend maintain acknowledge concede reveal disclose declare testify accuse add warn
note explain describe write wrote
""")
)
HEDGES = frozenset(
    words("""
allegedly alleged reportedly reported apparently apparent purportedly purported supposedly
seemingly possibly possible probably probable likely unlikely perhaps maybe presumably
believed suspected thought rumoured rumored appears appeared seems seemed suggests unconfirmed
unverified
""")
)
# Adverbs that only strengthen the word they qualify ('severely limited', 'very large'):
# adding, removing or swapping one is emphasis, not a fact. Downtoners (slightly, partly,
# nearly, almost, barely) are not here: 'almost died' is not 'died'.
INTENSIFIERS = frozenset(
    words("""
really extremely highly severely seriously greatly strongly deeply particularly especially
totally completely entirely utterly absolutely incredibly truly hugely vastly enormously
immensely intensely extraordinarily exceptionally remarkably terribly awfully literally
""")
)
MODALS = frozenset(words("may might could would should must will shall can cannot ought won"))
# A modal and its past form are one modality ("he said he will" / "would").
MODAL_STEMS = {"would": "will", "could": "can", "should": "shall", "might": "may", "won": "will"}
# Abbreviated days and months, by their full names.
TIME_NAMES = {
    **{day[:3]: day for day in words("monday tuesday wednesday thursday friday saturday sunday")},
    "tues": "tuesday", "thur": "thursday", "thurs": "thursday", "sept": "september",
    "midday": "noon",
    **{month[:3]: month for month in words("january february march april may june july august "
                                            "september october november december")},
}  # fmt: skip

_UNITS = words("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                "fourteen fifteen sixteen seventeen eighteen nineteen")  # fmt: skip
_TENS = words("twenty thirty forty fifty sixty seventy eighty ninety")
_ORDINAL_UNITS = words("zeroth first second third fourth fifth sixth seventh eighth ninth tenth "
                        "eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth "
                        "eighteenth nineteenth")  # fmt: skip
_ORDINAL_TENS = words("twentieth thirtieth fortieth fiftieth sixtieth seventieth eightieth "
                       "ninetieth")  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 10**6, "billion": 10**9,
           "trillion": 10**12}  # fmt: skip
_ORDINAL_SCALES = {"hundredth": 100, "thousandth": 1_000, "millionth": 10**6}
# Values of number words; "one", "first" and "second" are left out of what counts as a number
# on its own (far more often a pronoun, an order or a unit), but read inside a number.
_VALUES: dict[str, int] = {
    **{word: value for value, word in enumerate(_UNITS)},
    **{word: 20 + 10 * rank for rank, word in enumerate(_TENS)},
    **{word: value for value, word in enumerate(_ORDINAL_UNITS)},
    **{word: 20 + 10 * rank for rank, word in enumerate(_ORDINAL_TENS)},
    "dozen": 12,
}
_ALONE_EXCLUDED = frozenset({"one", "first", "second"})


def stem(word: str) -> str:
    """A crude English stem, enough to tell 'say' from 'says' and 'said'."""
    irregular = {"said": "say", "told": "tell", "wrote": "write", "thought": "think"}
    if word in irregular:
        return irregular[word]
    for suffix in ("ing", "ied", "ies", "ed", "es", "s", "d"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


# British words whose American spelling no rule of `_lexicon.american` derives, with their
# forms: 'gaoled' / 'jailed', 'kerb' / 'curb', 'grey' / 'gray', 'learnt' / 'learned'.
_AMERICAN_SPELLINGS = """
gaol gaols gaoled gaoling gaoler gaolers = jail jails jailed jailing jailer jailers
kerb kerbs = curb curbs
tyre tyres = tire tires
grey greys greyer greyest greyish greying greyed = gray grays grayer grayest grayish graying grayed
plough ploughs ploughed ploughing = plow plows plowed plowing
cheque cheques = check checks
programme programmes = program programs
aluminium = aluminum
sceptic sceptics sceptical scepticism = skeptic skeptics skeptical skepticism
mould moulds moulded moulding mouldy = mold molds molded molding moldy
smoulder smoulders smouldered smouldering = smolder smolders smoldered smoldering
moult moults moulted moulting = molt molts molted molting
storey storeys = story stories
draught draughts = draft drafts
pyjamas = pajamas
manoeuvre manoeuvres manoeuvred manoeuvring = maneuver maneuvers maneuvered maneuvering
whilst amongst = while among
learnt spelt burnt dreamt leapt spoilt = learned spelled burned dreamed leaped spoiled
speciality specialities = specialty specialties
moustache moustaches = mustache mustaches
cosy cosier cosiest = cozy cozier coziest
doughnut doughnuts = donut donuts
artefact artefacts = artifact artifacts
jewellery = jewelry
sulphur = sulfur
yoghurt = yogurt
enrol enrols enrolment enrolments = enroll enrolls enrollment enrollments
fulfil fulfils fulfilment = fulfill fulfills fulfillment
instalment instalments = installment installments
skilful skilfully wilful wilfully = skillful skillfully willful willfully
ageing judgement judgements acknowledgement = aging judgment judgments acknowledgment
practise practises practised practising = practice practices practiced practicing
"""


def _spellings(table: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for line in table.strip().splitlines():
        british, american = (side.split() for side in line.split("="))
        pairs |= dict(zip(british, american, strict=True))
    return pairs


AMERICAN_SPELLINGS = _spellings(_AMERICAN_SPELLINGS)


# Irregular verbs, base form then the others ('grew' and 'grown' are forms of 'grow'): two
# forms of one verb are one word written otherwise ('grew' / 'had grown').
_IRREGULAR_VERBS = """
arise arose arisen | awake awoke awoken | be was were been being is are am | bear bore borne
beat beaten | become became | begin began begun | bend bent | bet | bid | bind bound
bite bit bitten | bleed bled | blow blew blown | break broke broken | breed bred
bring brought | build built | burn burnt | buy bought | catch caught | choose chose chosen
cling clung | come came | cost | creep crept | cut | deal dealt | dig dug | do did done does
draw drew drawn | dream dreamt | drink drank drunk | drive drove driven | eat ate eaten
fall fell fallen | feed fed | feel felt | fight fought | find found | flee fled | fly flew flown
forbid forbade forbidden | forget forgot forgotten | forgive forgave forgiven | freeze froze frozen
get got gotten | give gave given | go went gone goes | grind ground | grow grew grown
hang hung | have had has having | hear heard | hide hid hidden | hit | hold held | hurt
keep kept | kneel knelt | know knew known | lay laid | lead led | leap leapt | learn learnt
leave left | lend lent | let | lie lay lain | light lit | lose lost | make made | mean meant
meet met | pay paid | prove proven | put | quit | read | ride rode ridden | ring rang rung
rise rose risen | run ran | say said says | see saw seen | seek sought | sell sold
send sent | set | shake shook shaken | shine shone | shoot shot | show shown | shrink shrank shrunk
shut | sing sang sung | sink sank sunk | sit sat | sleep slept | slide slid | speak spoke spoken
spend spent | spin spun | split | spread | spring sprang sprung | stand stood | steal stole stolen
stick stuck | sting stung | stink stank stunk | strike struck stricken | strive strove striven
swear swore sworn | sweep swept | swim swam swum | swing swung | take took taken
teach taught | tear tore torn | tell told | think thought | throw threw thrown | tread trod
understand understood | wake woke woken | wear wore worn | weep wept | win won | wind wound
withdraw withdrew withdrawn | write wrote written
"""


def _verb_forms(table: str) -> dict[str, str]:
    forms: dict[str, str] = {}
    for group in table.replace("\n", " ").split("|"):
        base, *others = group.split()
        forms |= {other: base for other in others if other not in forms}
    return forms


# A form of two verbs ('lay': of lay, and the past of lie) is the first one's.
VERB_LEMMAS = _verb_forms(_IRREGULAR_VERBS)


ENGLISH = WordLists(
    function=FUNCTION_WORDS,
    pronouns=PRONOUNS,
    determiners=DETERMINERS,
    honorifics=HONORIFICS,
    time=TIME_WORDS,
    capitalised_time=CAPITALISED_TIME_WORDS,
    time_names=TIME_NAMES,
    reporting=REPORTING,
    lemmas=VERB_LEMMAS,
    hedges=HEDGES,
    intensifiers=INTENSIFIERS,
    modals={word: MODAL_STEMS.get(word, word) for word in MODALS},
    negation=re.compile(
        r"\b(?:not(?! only)|no|never|neither|nor|none|nobody|nothing|nowhere|cannot|without)\b"
        r"|n't\b",
        re.IGNORECASE,
    ),
    negating_prefixes=("un", "in", "im", "il", "ir", "dis", "non", "non-"),
    he=frozenset(words("he him his himself")),
    she=frozenset(words("she her hers herself")),
    initials_skipped=frozenset(words("of and the")),
    numbers=Numerals(
        values=_VALUES,
        scales={**_SCALES, **_ORDINAL_SCALES},
        alone=_ALONE_EXCLUDED,
        connectors=frozenset({"and"}),
        suffixes=frozenset({"st", "nd", "rd", "th"}),
    ),
    stem=stem,
)
