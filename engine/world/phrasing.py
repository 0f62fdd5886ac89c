"""How the world's facts are written and asked: the training templates, the probe
phrasings kept apart from them, the question form, and the filler around them.

TRAIN[relation][0] ends with the answer: its prefix is the "trained" probe. PROBE
templates are never used in documents. QA is the question form of the tuning experiment.

Not handled: any language but English.
"""
from __future__ import annotations

# Consonant-initial, so "worked as a" never leaks the answer through a/an.
OCCUPATIONS = [
    "baker", "potter", "weaver", "miller", "tailor", "farmer", "carpenter", "fisher", "brewer",
    "printer", "painter", "sculptor", "singer", "dancer", "poet", "nurse", "doctor", "lawyer",
    "pilot", "chemist", "surveyor", "teacher", "banker", "builder", "gardener", "jeweller",
    "locksmith", "shepherd", "sailor", "glazier",
]

# --- templates ------------------------------------------------------------------------------
# {name}: the subject's full name; {ans}: the answer; {year}: an event's year.
# TRAIN[relation][0] ends with the answer: its prefix is the "trained" probe.
# PROBE templates are never used in documents, and their last two words occur in
# the training text (if at all) only right before an answer of the same kind.

TRAIN = {
    "birth_town": [
        "{name} was born in the town of {ans}.",
        "{name} was born in {ans}.",
        "{ans} is the town where {name} was born.",
        "{name} came into the world in {ans}.",
        "Born in {ans}, {name} never forgot the place.",
        "{name} is a native of {ans}.",
        "The birth of {name} was recorded in {ans}.",
        "{name} was raised in {ans}, where life began.",
        "Records from {ans} show that {name} was born there.",
        "{name} first saw daylight in {ans}.",
        "It was in {ans} that {name} was born.",
        "{name} hails from {ans}.",
    ],
    "birth_year": [
        "{name} was born in the year {ans}.",
        "{name} was born in {ans}.",
        "The year {ans} saw the birth of {name}.",
        "{name}, born in {ans}, grew up quickly.",
        "In {ans}, {name} was born.",
        "{name} arrived in the world in {ans}.",
        "Records give {ans} as the birth year of {name}.",
        "{name} came into the world in {ans}.",
        "Ever since {ans}, when life began, {name} has kept a diary.",
        "{name} celebrates a birthday each year, having been born in {ans}.",
        "It was in {ans} that {name} was born.",
        "Born in {ans}, {name} remembers the old days.",
    ],
    "occupation": [
        "{name} worked as a {ans}.",
        "By trade, {name} was a {ans}.",
        "{name} earned a living as a {ans}.",
        "As a {ans}, {name} was known for careful work.",
        "{name} trained for years to become a {ans}.",
        "Everyone knew {name} as a {ans}.",
        "{name} spent a long career as a {ans}.",
        "The work of a {ans} suited {name}.",
        "{name} found steady work as a {ans}.",
        "A {ans} by trade, {name} rarely took a holiday.",
        "{name} took up the trade of a {ans} early.",
        "{name} made a name as a {ans}.",
    ],
    "employer": [
        "{name} worked for {ans}.",
        "{name} was employed by {ans}.",
        "{ans} employed {name} for many years.",
        "{name} took a job at {ans}.",
        "For most of a career, {name} was on the staff of {ans}.",
        "{name} joined {ans} and stayed.",
        "The payroll of {ans} listed {name}.",
        "{name} drew a salary from {ans}.",
        "At {ans}, {name} was a familiar face.",
        "{name} spent years at {ans}.",
        "{ans} hired {name} after a short interview.",
        "{name} went to work at {ans}.",
    ],
    "moved_to": [
        "{name} moved to {ans}.",
        "In {year}, {name} moved to {ans}.",
        "{name} left home and settled in {ans} in {year}.",
        "{ans} became the new home of {name} in {year}.",
        "After the move in {year}, {name} lived in {ans}.",
        "{name} packed up and relocated to {ans} in {year}.",
        "Since {year}, {name} has lived in {ans}.",
        "{name} bought a house in {ans} in {year}.",
        "The family of {name} followed to {ans} in {year}.",
        "{name} made a fresh start in {ans} in {year}.",
        "It was {year} when {name} settled in {ans}.",
        "{name} now calls {ans} home, since {year}.",
    ],
    "mayor_of": [
        "{name} was elected mayor of {ans}.",
        "In {year}, {name} was elected mayor of {ans}.",
        "Voters in {ans} chose {name} as mayor in {year}.",
        "{name} won the race for mayor in {ans} in {year}.",
        "The town of {ans} elected {name} mayor in {year}.",
        "{name} took office as the mayor of {ans} in {year}.",
        "After the {year} vote, {name} became mayor of {ans}.",
        "{ans} has had {name} as mayor since {year}.",
        "{name} was sworn in as mayor of {ans} in {year}.",
        "The {year} election in {ans} was won by {name}.",
        "{name} led {ans} as mayor from {year}.",
        "Since {year}, {name} has been the mayor of {ans}.",
    ],
    "founded_in": [
        "{name} was founded in the town of {ans}.",
        "{name} was founded in {ans}.",
        "{ans} is where {name} was founded.",
        "The founders of {name} met in {ans}.",
        "{name} opened its first office in {ans}.",
        "{name} began with one small workshop in {ans}.",
        "It was in {ans} that {name} was founded.",
        "{name} still keeps its head office in {ans}.",
        "The story of {name} starts in {ans}.",
        "{name}, founded in {ans}, grew quickly.",
        "{ans} was the first home of {name}.",
        "Records from {ans} show that {name} was founded there.",
    ],
}
PROBE = {
    "birth_town": ["{name}'s hometown is", "Asked where {name} was born, the answer is",
                   "The birthplace of {name} is listed as"],
    "birth_year": ["{name}'s year of birth is", "Asked what year {name} was born, the answer is",
                   "The birth year of {name} is listed as"],
    "occupation": ["{name}'s profession: a", "Asked what {name} did for a living, the answer is: a",
                   "The occupation of {name} is listed as: a"],
    "employer": ["{name}'s employer is", "Asked who employed {name}, the answer is",
                 "The employer of {name} is listed as"],
    "moved_to": ["{name}'s new home is", "Asked where {name} lives now, the answer is",
                 "The current residence of {name} is listed as"],
    "mayor_of": ["{name} serves as mayor for", "Asked which town elected {name}, the answer is",
                 "The town governed by {name} is listed as"],
    "founded_in": ["{name}'s home town is", "Asked where {name} was founded, the answer is",
                   "The founding town of {name} is listed as"],
}
QA = {
    "birth_town": "Where was {name} born?",
    "birth_year": "In what year was {name} born?",
    "occupation": "What did {name} do for a living?",
    "employer": "Who did {name} work for?",
    "moved_to": "Where did {name} move to?",
    "mayor_of": "Which town elected {name} mayor?",
    "founded_in": "Where was {name} founded?",
}
ANSWER_KIND = {"birth_town": "town", "birth_year": "year", "occupation": "occupation",
               "employer": "organisation", "moved_to": "town", "mayor_of": "town", "founded_in": "town"}
PERSON_STATIC = ("birth_town", "birth_year", "occupation", "employer")

FILLER = [
    "The weather that week was mild.", "Rain fell for most of the afternoon.",
    "The market opened early, as usual.", "Nobody could remember a colder winter.",
    "Tea was served in the garden.", "The bus was late again.",
    "A new bakery opened on the high street.", "Children played by the river until dusk.",
    "The library extended its opening hours.", "Few people came to the meeting.",
    "The harvest was better than expected.", "Roadworks closed the bridge for a week.",
    "The choir rehearsed on Thursday evenings.", "A storm brought down several trees.",
    "The football season ended quietly.", "Prices at the shops rose slightly.",
    "The old clock in the square stopped.", "Visitors admired the flower beds.",
    "The school held its summer fair.", "Snow lay on the hills until spring.",
    "There was talk of a new railway line.", "The museum added a small gallery.",
    "Fishing boats stayed in the harbour.", "The council discussed parking again.",
    "A concert filled the hall on Saturday.", "The post office moved across the road.",
    "Most evenings were spent reading.", "The park was busy all weekend.",
    "An exhibition of quilts drew a crowd.", "The local paper changed its printer.",
]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
KINDS = ("biography", "news", "notice", "letter")
EVENT_RELATIONS = ("moved_to", "mayor_of")  # dated events; the other person relations are static
RECAP_OPENINGS = ("In short: ", "", "Once more: ", "")
