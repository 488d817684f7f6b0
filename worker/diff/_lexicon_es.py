"""Spanish word lists. A subject pronoun is often left out ('dijo' for 'he said'): the verb
alone then carries the attribution."""

from __future__ import annotations

from worker.diff._wordlists import Numerals, words, written

_REPORTING = """
decir dijo dice dicen dijeron dicho decía decían diciendo
afirmar afirmó afirma afirman afirmaron afirmado
declarar declaró declara declaran declararon declarado
asegurar aseguró asegura aseguran aseguraron asegurado
señalar señaló señala señalan señalaron
explicar explicó explica explican explicaron
indicar indicó indica indican indicaron
añadir añadió añade añaden
agregar agregó agrega agregan
anunciar anunció anuncia anuncian anunciaron anunciado
confirmar confirmó confirma confirman confirmaron
negar negó niega niegan negaron
admitir admitió admite admiten
reconocer reconoció reconoce reconocen
denunciar denunció denuncia denuncian
advertir advirtió advierte advierten
sostener sostuvo sostiene sostienen
informar informó informa informan informaron
revelar reveló revela revelan
alegar alegó alega alegan
escribir escribió escribe escriben
manifestar manifestó manifiesta
según
"""
_MODALS = """
poder puede pueden podría podrían podrá podrán podía podían pudo pudieron pueda puedan
deber debe deben debería deberían deberá deberán debía debían
"""
# Abbreviated months, by their full names ('mar' is also the sea).
_TIME_NAMES = {"ene": "enero", "feb": "febrero", "abr": "abril", "jun": "junio", "jul": "julio",
               "ago": "agosto", "sept": "septiembre", "oct": "octubre", "nov": "noviembre",
               "dic": "diciembre"}  # fmt: skip
_UNITS = words("cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece "
               "catorce quince dieciséis diecisiete dieciocho diecinueve veinte veintiuno "
               "veintidós veintitrés veinticuatro veinticinco veintiséis veintisiete "
               "veintiocho veintinueve")  # fmt: skip
_TENS = words("treinta cuarenta cincuenta sesenta setenta ochenta noventa")
_HUNDREDS = words("doscientos trescientos cuatrocientos quinientos seiscientos setecientos "
                  "ochocientos novecientos")  # fmt: skip
_ORDINALS = words("primero segundo tercero cuarto quinto sexto séptimo octavo noveno décimo")

SPANISH = written(
    function="""
el la los las lo un unos unas al del este esta estos estas esto ese esa esos esas eso
aquel aquella aquellos aquellas aquello mi mis tu tus su sus nuestro nuestra nuestros
nuestras vuestro vuestra
yo me mí tú te ti él ella ello nosotros nosotras vosotros ellos ellas le les se nos os
usted ustedes quien quienes que qué cual cuales cuyo cuya donde dónde cuando
a ante bajo con contra de desde durante en entre hacia hasta mediante para por sin sobre
tras excepto salvo
y e o u ni pero sino aunque porque pues si como mientras también tampoco ya aún todavía
sólo solo incluso además
es son era eran fue fueron ser sido siendo está están estaba estaban estar estado ha han
había habían haber habido he hemos has sea sean hay habría
no
""",
    pronouns="él ella ellos ellas lo le les este esta estos estas quien",
    determiners="el la los las este esta estos estas ese esa esos esas su sus",
    honorifics="sr sra srta sres don doña dr dra",
    time="""
lunes martes miércoles jueves viernes sábado domingo ayer hoy mañana anoche anteayer
madrugada mediodía medianoche tarde noche semana semanas mes meses año años década
décadas recientemente
enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre
""",
    time_names=_TIME_NAMES,
    reporting=_REPORTING,
    hedges="""
presunto presunta presuntos presuntas presuntamente supuesto supuesta supuestos supuestas
supuestamente aparentemente aparente probablemente probable posiblemente posible quizás
quizá acaso presumiblemente parece parecen parecía
""",
    intensifiers="""
muy sumamente extremadamente realmente verdaderamente totalmente completamente enteramente
absolutamente particularmente especialmente profundamente gravemente seriamente
severamente altamente increíblemente enormemente tremendamente
""",
    modals=_MODALS,
    negations="no nunca jamás ningún ninguna ninguno ningunos ningunas nada nadie ni tampoco sin",
    negating_prefixes="in im il ir des dis",
    he="él",
    she="ella",
    initials_skipped="de del la las los el y para",
    numbers=Numerals(
        values={
            **{word: value for value, word in enumerate(_UNITS)},
            "un": 1,
            "una": 1,
            "veintiún": 21,
            **{word: 30 + 10 * rank for rank, word in enumerate(_TENS)},
            "cien": 100,
            "ciento": 100,
            **{word: 200 + 100 * rank for rank, word in enumerate(_HUNDREDS)},
            **{word: rank + 1 for rank, word in enumerate(_ORDINALS)},
            "primer": 1,
            "primera": 1,
            "segunda": 2,
            "tercer": 3,
            "tercera": 3,
        },
        scales={"mil": 1_000, "millón": 10**6, "millones": 10**6},
        alone=frozenset(words("un una uno primer primero primera segundo segunda cuarto")),
        connectors=frozenset({"y"}),
        suffixes=frozenset({"º", "ª"}),
    ),
)
