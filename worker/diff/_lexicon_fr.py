"""French word lists. Elisions are read as the tokens split them: l'organisation is 'l' and
'organisation', n'a is 'n' and 'a', aujourd'hui is 'aujourd' and 'hui'. 'peut-être' is two
tokens ('peut', a modal, and 'être'): written so, it reads as modality, not hedging."""

from __future__ import annotations

from worker.diff._wordlists import Numerals, words, written

_REPORTING = """
dire dit dits dite dites disent disait disaient dira dirait
déclarer déclare déclaré déclarée déclarent déclarait déclaraient
affirmer affirme affirmé affirmée affirment affirmait affirmaient
annoncer annonce annoncé annoncée annoncent annonçait
assurer assure assuré assurent assurait assuraient
estimer estime estimé estiment estimait estimaient
expliquer explique expliqué expliquent expliquait
indiquer indique indiqué indiquent indiquait
préciser précise précisé précisent précisait
ajouter ajoute ajouté ajoutent ajoutait
souligner souligne souligné soulignent soulignait
confirmer confirme confirmé confirment confirmait
reconnaître reconnaît reconnait reconnu reconnue reconnaissent
nier nie nié nient niait
démentir dément démenti démentent
admettre admet admis admettent
avouer avoue avoué avouent
prétendre prétend prétendent prétendait
accuser accuse accusé accusent accusait
révéler révèle révélé révèlent
raconter raconte raconté racontent
rapporter rapporte rapporté rapportent
écrire écrit écrivent écrivait
avertir avertit averti avertissent
insister insiste insisté insistent
selon
"""
_MODALS = """
pouvoir peut peuvent pourrait pourraient pourra pourront pouvait pouvaient puisse puissent
devoir doit doivent devrait devraient devra devront devait devaient
falloir faut faudrait faudra fallait
"""
# Abbreviated months ('sept' is seven first), by their full names.
_TIME_NAMES = {"janv": "janvier", "févr": "février", "avr": "avril", "juil": "juillet",
               "oct": "octobre", "nov": "novembre", "déc": "décembre"}  # fmt: skip
_UNITS = words("zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize "
               "quatorze quinze seize")  # fmt: skip
_TENS = {"vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50,
         "soixante": 60, "septante": 70, "huitante": 80, "octante": 80, "nonante": 90}  # fmt: skip
_ORDINALS = words("zéroième unième deuxième troisième quatrième cinquième sixième septième "
                  "huitième neuvième dixième onzième douzième treizième quatorzième quinzième "
                  "seizième")  # fmt: skip

FRENCH = written(
    function="""
le la les l un une des du de d au aux ce cet cette ces ceci cela ça celui celle ceux celles
mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs tout tous toute toutes
à a dans en par pour sur sous avec sans chez entre vers contre depuis pendant avant après
malgré parmi envers hors dès durant via jusqu jusque auprès lors près
et ou mais donc or ni car que qu si s comme quand lorsque lorsqu puisque puisqu parce afin
alors ainsi aussi puis cependant pourtant toutefois néanmoins encore déjà même seulement
je j me moi tu te t toi il elle on nous vous ils elles lui eux se soi y c qui quoi dont où
lequel laquelle lesquels lesquelles duquel auquel
est sont était étaient été être sera seront suis es sommes êtes fut furent soit soient étant
ai as avons avez ont avait avaient eu avoir ait aient aura auront ayant
ne n pas plus moins trop bien ici là
""",
    pronouns="il elle ils elles lui eux leur celui celle ceux celles qui lequel",
    determiners="le la les l ce cet cette ces son sa ses leur leurs",
    honorifics="m mm mme mmes mlle mlles dr pr",
    time="""
lundi mardi mercredi jeudi vendredi samedi dimanche hier aujourd hui demain veille lendemain
matin matinée soir soirée nuit midi minuit aube week semaine semaines mois an ans année années
décennie décennies récemment dernièrement tôt tard
janvier février mars avril mai juin juillet août septembre octobre novembre décembre
""",
    time_names=_TIME_NAMES,
    reporting=_REPORTING,
    hedges="""
présumé présumée présumés présumées présumément supposé supposée supposés supposées
supposément prétendu prétendue prétendus prétendues apparemment probablement possiblement
vraisemblablement visiblement aurait auraient serait seraient semble semblent semblait
semblerait soupçonné soupçonnée soupçonnés suspecté suspectée suspectés
""",
    intensifiers="""
très extrêmement vraiment réellement totalement complètement entièrement absolument
particulièrement fortement profondément gravement sérieusement sévèrement hautement
incroyablement terriblement énormément considérablement tellement vivement
""",
    modals=_MODALS,
    negations="ne n' pas jamais aucun aucune rien personne non ni nul nulle sans guère",
    negating_prefixes="in im il ir dé dés mé non non-",
    he="il",
    she="elle",
    initials_skipped="de des du la le les l d et pour",
    numbers=Numerals(
        values={
            **{word: value for value, word in enumerate(_UNITS)},
            "une": 1,
            **_TENS,
            **{word: value for value, word in enumerate(_ORDINALS)},
            "premier": 1,
            "première": 1,
            "second": 2,
            "seconde": 2,
            "vingtième": 20,
            "trentième": 30,
            "quarantième": 40,
            "cinquantième": 50,
            "soixantième": 60,
        },
        scales={
            "cent": 100,
            "cents": 100,
            "centième": 100,
            "mille": 1_000,
            "millième": 1_000,
            "million": 10**6,
            "millions": 10**6,
            "milliard": 10**9,
            "milliards": 10**9,
        },
        alone=frozenset(words("un une premier première second seconde")),
        connectors=frozenset({"et"}),
        suffixes=frozenset(words("e er re ère ème eme è")),
        times=frozenset({"vingt", "vingts"}),
    ),
)
