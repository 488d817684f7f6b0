"""German word lists, case-folded as tokens are ('mutmaßlich' is 'mutmasslich'). Nouns are
capitalised: a capitalised word is no name by that alone. Numbers written as one word
('zweihundertfünfzig', 'einundzwanzig') are read by their pieces. A separable verb is read by
its first part ('teilte ... mit': 'teilte')."""

from __future__ import annotations

from worker.diff._wordlists import Numerals, words, written

_REPORTING = """
sagen sagt sagte sagten gesagt sage
erklären erklärt erklärte erklärten
behaupten behauptet behauptete behaupteten
betonen betont betonte betonten
berichten berichtet berichtete berichteten
bestätigen bestätigt bestätigte bestätigten
bestreiten bestreitet bestritt bestritten
dementieren dementiert dementierte
mitteilen teilte teilt teilten mitgeteilt
einräumen räumte räumt eingeräumt
zugeben zugegeben
ankündigen kündigte kündigt angekündigt
warnen warnt warnte warnten gewarnt
schreiben schreibt schrieb geschrieben
erzählen erzählt erzählte
hinzufügen fügte fügt hinzugefügt
meinte meint
äußern äußert äußerte geäußert
verkünden verkündet verkündete
laut
zufolge
"""
_MODALS = """
können kann kannst könnte könnten konnte konnten
müssen muss musst müsste müssten musste mussten
sollte sollten solle
wird würde würden wirst
dürfen darf dürfte dürften durfte durften
mögen mag möchte möchten mochte
wollen will willst wollte wollten
"""
_TIME_NAMES = {"jan": "januar", "feb": "februar", "mär": "märz", "apr": "april",
               "jun": "juni", "jul": "juli", "aug": "august", "sep": "september",
               "sept": "september", "okt": "oktober", "nov": "november",
               "dez": "dezember"}  # fmt: skip
_UNITS = words("null eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn "
               "vierzehn fünfzehn sechzehn siebzehn achtzehn neunzehn")  # fmt: skip
_TENS = words("zwanzig dreißig vierzig fünfzig sechzig siebzig achtzig neunzig")
_ORDINALS = words("nullt erst zweit dritt viert fünft sechst siebt acht neunt zehnt elft "
                  "zwölft")  # fmt: skip
_ENDINGS = ("e", "er", "en", "es", "em")

GERMAN = written(
    function="""
der die das den dem des ein eine einen einem einer eines
dieser diese dieses diesem diesen jener jene jenes jenem jenen
mein meine meinen meinem meiner meines sein seine seinen seinem seiner seines
ihr ihre ihren ihrem ihrer ihres unser unsere unseren unserem unserer euer eure
ich mich mir du dich dir er ihn ihm sie es wir uns euch ihnen sich man
wer wen wem wessen was welche welcher welches welchen welchem
in im ins an am ans auf aufs aus bei beim mit nach seit von vom zu zum zur für durch gegen
ohne um bis über unter vor hinter neben zwischen wegen trotz während statt anstatt
innerhalb außerhalb gegenüber entlang ab per
und oder aber denn sondern doch dass ob weil wenn als wie falls obwohl damit sowie sowohl
weder noch also auch nur schon sogar etwa bereits dann jedoch zudem
ist sind war waren bin bist seid sei wäre wären gewesen hat haben habe hatte hatten hätte
hätten gehabt werden wurde wurden worden geworden
nicht hier da dort so
""",
    pronouns="er sie es ihn ihm ihnen dieser diese dieses jener welcher",
    determiners="""
der die das den dem des dieser diese dieses diesem diesen sein seine seinen seinem seiner
ihr ihre ihren ihrem ihrer
""",
    honorifics="herr herrn frau dr prof",
    time="""
montag dienstag mittwoch donnerstag freitag samstag sonnabend sonntag gestern heute morgen
vorgestern übermorgen morgens vormittag mittag mittags nachmittag nachmittags abend abends
nacht nachts mitternacht woche wochen wochenende monat monate monaten jahr jahre jahren
jahres jahrzehnt jahrzehnte früher später kürzlich neulich jüngst
januar jänner februar märz april mai juni juli august september oktober november dezember
""",
    time_names=_TIME_NAMES,
    reporting=_REPORTING,
    hedges="""
mutmaßlich mutmaßliche mutmaßlichen mutmaßlicher mutmaßliches angeblich angebliche
angeblichen angeblicher angebliches offenbar offensichtlich wahrscheinlich vermutlich
vermeintlich vermeintliche vermeintlichen möglicherweise vielleicht anscheinend scheinbar
soll sollen scheint scheinen schien
""",
    intensifiers="""
sehr äußerst extrem besonders höchst wirklich völlig total absolut zutiefst überaus
ausgesprochen enorm ungemein außerordentlich
""",
    modals=_MODALS,
    negations="""
nicht kein keine keinen keinem keiner keines nie niemals nichts niemand niemanden
niemandem nirgends nirgendwo weder ohne
""",
    negating_prefixes="un in il ir nicht miss",
    he="er ihn ihm",
    she="sie",
    initials_skipped="der die das des für und von",
    numbers=Numerals(
        values={
            **{word: value for value, word in enumerate(_UNITS)},
            **{word: 20 + 10 * rank for rank, word in enumerate(_TENS)},
            **{root + end: value for value, root in enumerate(_ORDINALS) for end in _ENDINGS},
        },
        scales={word: 100 for word in words("hundert hundertste hundertsten")}
        | {word: 1_000 for word in words("tausend tausendste tausendsten")}
        | {word: 10**6 for word in words("million millionen")}
        | {word: 10**9 for word in words("milliarde milliarden")},
        alone=frozenset(["eins", *("erst" + end for end in _ENDINGS)]),
        connectors=frozenset({"und"}),
        suffixes=frozenset(),
        pieces={"ein": 1},
    ),
    nouns_capitalised=True,
    # articles, and prepositions that hold one (im = in dem): a noun follows
    articles="der die das dem den des ein eine einen einem einer eines kein keine keinen "
    "keinem keiner keines im am zum zur vom beim ins ans aufs",
)
