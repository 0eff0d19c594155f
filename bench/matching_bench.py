"""Patient matching engine: quality and speed on synthetic data with known truth.

The generator builds households (guarantors, spouses, children, twins sharing phone, email and
postcode, married names with the maiden name kept as a previous name, a few duplicate charts),
files most members as PMS charts and keeps some back, then derives unlinked people: most from a
chart with noise (nicknames, typos, swapped day/month, one-digit birthdate errors, married-name
changes, transposed names, missing and changed phone/email), the rest with no chart at all
(family members kept back, such as the uncharted twin of a charted one, and strangers).

Its nicknames and typo model are its own, not the engine's: some nicknames here (Sasha, Dima,
Katya, Liam for William ...) are unknown to the engine's nickname data on purpose.

Printed: auto-link precision, wrong links inside families and between twins, auto-link coverage
(name + birthdate only, and overall), top-5 recall, ranking latency p50/p95 with the index, the
time to auto-link every person, and a brute-force baseline (every chart scored) on a sample.

    .venv/bin/python bench/matching_bench.py --charts 100000 --people 10000 --seed 1
    .venv/bin/python bench/matching_bench.py --charts 100000 --people 10000 --seed 2 --noise high
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from engage_desktop.domain.matching import (  # noqa: E402
    CandidateIndex,
    ChartRecord,
    DecisionKind,
    Level,
    Person,
    match,
    rank,
)

# --- name lists: varied origins, roughly in popularity order ------------------------------------

FEMALE = """Emma Olivia Sophia Isabella Ava Mia Emily Abigail Madison Charlotte Harper Sofia Avery Elizabeth
Amelia Evelyn Ella Chloe Victoria Aubrey Grace Zoey Natalie Addison Lillian Brooklyn Lily Hannah Layla
Scarlett Aria Zoe Samantha Anna Leah Audrey Ariana Allison Savannah Arianna Camila Penelope Gabriella Claire
Aaliyah Sadie Riley Skylar Nora Sarah Hailey Kaylee Paisley Kennedy Ellie Peyton Annabelle Caroline Madelyn
Serenity Aubree Lucy Alexa Alexis Nevaeh Stella Violet Genesis Mackenzie Bella Autumn Mila Kylie Maya Piper
Alyssa Taylor Eleanor Melanie Naomi Faith Eva Katherine Lydia Brianna Julia Ashley Khloe Madeline Ruby Sophie
Alexandra London Lauren Gianna Isabelle Alice Vivian Hadley Jasmine Morgan Kayla Cora Bailey Kimberly Maria
Jennifer Jessica Patricia Linda Barbara Susan Margaret Dorothy Nancy Karen Betty Helen Sandra Donna Carol
Ruth Sharon Michelle Laura Kathleen Amy Shirley Angela Deborah Stephanie Rebecca Virginia Debra Janet
Catherine Frances Christine Joyce Diane Alice Julie Heather Teresa Doris Gloria Evelyn Cheryl Mildred
Guadalupe Ximena Valentina Lucia Mariana Daniela Fernanda Valeria Renata Carmen Rosa Dolores Josefina
Mercedes Alejandra Gabriela Paola Beatriz Ines Pilar Concepcion Rosario Juana Yolanda Marisol Esperanza
Nguyet Linh Thuy Huong Lan Mai Hoa Trang Ngoc Anh Mei Xiu Ying Jing Hui Fang Li Na Yan Min Ji-woo Seo-yeon
Ha-eun Yuna Sakura Yui Aoi Hina Priya Ananya Aadhya Diya Saanvi Isha Kavya Pooja Lakshmi Deepika Fatima
Aisha Maryam Zainab Noor Layla Amira Yasmin Leila Hana Salma Ekaterina Anastasia Olga Natalia Svetlana Irina
Tatiana Oksana Agnieszka Katarzyna Malgorzata Zofia Chiamaka Ngozi Amara Adaeze Folake Abena Ama Wanjiru
Siobhan Aoife Niamh Saoirse Ingrid Astrid Freya Sigrid Zoë Chloé Léa Manon Camille Maëlle Chiara Giulia
Francesca Alessandra Marta Sofía Lucía Noémie Ana Joana Leticia Thais Bruna Mary-Kate Anne-Marie""".split()

MALE = """Liam Noah William James Oliver Benjamin Elijah Lucas Mason Logan Alexander Ethan Jacob Michael Daniel
Henry Jackson Sebastian Aiden Matthew Samuel David Joseph Carter Owen Wyatt John Jack Luke Jayden Dylan
Grayson Levi Isaac Gabriel Julian Mateo Anthony Jaxon Lincoln Joshua Christopher Andrew Theodore Caleb Ryan
Asher Nathan Thomas Leo Isaiah Charles Josiah Hudson Christian Hunter Connor Eli Ezra Aaron Landon Adrian
Jonathan Nolan Jeremiah Easton Elias Colton Cameron Carson Robert Angel Maverick Nicholas Dominic Jaxson
Greyson Adam Ian Austin Santiago Jordan Cooper Brayden Roman Evan Ezekiel Xavier Jose Jace Jameson Leonardo
Bryson Axel Everett Parker Kayden Miles Sawyer Jason Richard Charles Kenneth Steven Edward Brian Ronald
Timothy Jeffrey Gary Larry Frank Scott Eric Stephen Raymond Gregory Patrick Dennis Walter Peter Harold
Douglas Henry Carl Arthur Gerald Roger Keith Lawrence Terry Albert Joe Willie Ralph Bruce Wayne Russell
Francisco Alejandro Javier Miguel Carlos Juan Luis Jorge Pedro Manuel Ricardo Fernando Eduardo Rafael
Guillermo Ignacio Enrique Jesus Diego Andres Emilio Joaquin Rodrigo Sergio Alberto Antonio Ramon Hector
Minh Tuan Hung Duc Thanh Quang Huy Khoa Long Nam Wei Jun Hao Lei Ming Chen Jian Tao Yong Bo Min-jun Seo-jun
Ji-ho Haruto Yuto Sota Ren Hiroshi Arjun Aarav Vihaan Rohan Rahul Vikram Sanjay Amit Ravi Anil Mohammed
Muhammad Ahmed Omar Ali Hassan Hussein Yusuf Ibrahim Khalid Tariq Karim Dmitri Aleksandr Sergei Ivan Nikolai
Vladimir Mikhail Andrei Piotr Tomasz Krzysztof Jakub Chinedu Emeka Obinna Kwame Kofi Oluwaseun Tunde Jabari
Sean Ciaran Padraig Eoin Lars Erik Magnus Bjorn Søren René François Jérôme Théo Lukas Jürgen Matteo
Lorenzo Giovanni Alessandro João Thiago Gonçalo Rafael Jean-Luc Jean-Pierre""".split()

LAST = """Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson
Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis
Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera
Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart
Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim
Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo
Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman Butler
Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds
Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford
Castro Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman
Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon
Munoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice
Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley Spencer
Hawkins Arnold Pierce Vazquez Hansen Peters Santos Hart Bradley Knight Elliott Cunningham Duncan Armstrong
Hudson Carroll Lane Riley Andrews Alvarado Ray Delgado Berry Perkins Hoffman Johnston Matthews Pena Richards
Contreras Willis Carpenter Lawrence Sandoval Pham Le Huynh Hoang Phan Vu Dang Bui Do Ho Ngo Duong Ly Wang Li
Zhang Liu Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo Lin Park Choi Jung Kang Cho Yoon Jang Lim Tanaka
Suzuki Takahashi Watanabe Ito Yamamoto Nakamura Kobayashi Sato Sharma Singh Kumar Gupta Shah Mehta Reddy
Iyer Rao Desai Joshi Khan Hussain Ahmed Ali Rahman Hassan Malik Haddad Nasser Saleh Ivanov Petrov Smirnov
Sokolov Popov Volkov Kuznetsov Kowalski Nowak Wisniewski Wojcik Kaminski Okafor Okonkwo Adeyemi Mensah
Owusu Mwangi Otieno Kamau O'Brien O'Connor O'Sullivan McCarthy Gallagher Doherty Byrne Larsen Nielsen
Johansson Eriksson Lindqvist Müller Schneider Fischer Weber Becker Schäfer Koch Dubois Lefèvre Moreau
Laurent Girard Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Costa Oliveira Pereira Almeida
Ferreira Gonçalves Núñez Peña Ibáñez Muñoz Garcia-Lopez Martinez-Ruiz Hernandez-Diaz Perez-Gomez
Sanchez-Vega Rodriguez-Cruz Smith-Jones De_La_Cruz De_La_Rosa Del_Rio Van_der_Berg Van_Dyke De_Jong
Van_Houten Da_Silva Dos_Santos St_John Al-Amin Abdel-Rahman Ben-David""".split()
LAST = [name.replace("_", " ") for name in LAST]

# The bench's own nickname table (deliberately different from the engine's data).
NICKNAMES = {
    "Robert": ["Bob", "Rob", "Bobby", "Robbie"], "William": ["Bill", "Will", "Billy", "Liam"],
    "Elizabeth": ["Liz", "Beth", "Betty", "Lizzie", "Eliza"], "Katherine": ["Kate", "Katie", "Kathy", "Kat"],
    "Catherine": ["Cathy", "Cat", "Kate"], "Margaret": ["Maggie", "Peggy", "Meg", "Greta"],
    "James": ["Jim", "Jimmy", "Jamie"], "Michael": ["Mike", "Mikey", "Mick"], "Christopher": ["Chris", "Topher"],
    "Jennifer": ["Jen", "Jenny"], "Alexander": ["Alex", "Xander", "Sasha"], "Aleksandr": ["Sasha", "Sanya"],
    "Dmitri": ["Dima"], "Ekaterina": ["Katya"], "Anastasia": ["Nastya", "Stacy"], "Natalia": ["Natasha"],
    "Thomas": ["Tom", "Tommy"], "Anthony": ["Tony"], "Daniel": ["Dan", "Danny"], "Matthew": ["Matt"],
    "Nicholas": ["Nick", "Nico"], "Joseph": ["Joe", "Joey"], "Richard": ["Rick", "Rich", "Dick"],
    "Patricia": ["Pat", "Patty", "Trish"], "Susan": ["Sue", "Suzy"], "Deborah": ["Deb", "Debbie"],
    "Victoria": ["Vicky", "Tori"], "Rebecca": ["Becky", "Becca"], "Samantha": ["Sam", "Sammy"],
    "Benjamin": ["Ben", "Benny"], "Jonathan": ["Jon", "Johnny"], "Edward": ["Ed", "Eddie", "Ted"],
    "Abigail": ["Abby"], "Gabriel": ["Gabe"], "Isabella": ["Bella", "Izzy"], "Olivia": ["Liv", "Livvy"],
    "Madison": ["Maddie"], "Theodore": ["Theo", "Ted"], "Francisco": ["Paco", "Pancho"], "Jose": ["Pepe"],
    "Guadalupe": ["Lupe"], "Ignacio": ["Nacho"], "Jesus": ["Chuy"], "Alejandro": ["Alex", "Ale"],
    "Eduardo": ["Lalo"], "Guillermo": ["Memo", "Will"], "Dolores": ["Lola"], "Rosario": ["Charo"],
    "Mohammed": ["Mo"], "Muhammad": ["Mo"], "Gregory": ["Greg"], "Stephen": ["Steve"], "Steven": ["Steve"],
    "Timothy": ["Tim"], "Kenneth": ["Ken", "Kenny"], "Ronald": ["Ron", "Ronnie"], "Lawrence": ["Larry"],
    "Dorothy": ["Dot", "Dottie"], "Christine": ["Chris", "Tina"], "Kimberly": ["Kim"], "Alexandra": ["Alex", "Sasha"],
    "Jacob": ["Jake"], "Joshua": ["Josh"], "Andrew": ["Andy", "Drew"], "Nathan": ["Nate"], "Zachary": ["Zach"],
    "Charles": ["Charlie", "Chuck"], "Frances": ["Fran"], "Virginia": ["Ginny"], "Helen": ["Nell"],
    "Penelope": ["Penny"], "Eleanor": ["Ellie", "Nora"], "Caroline": ["Carrie"], "Jessica": ["Jess", "Jessie"],
    "Stephanie": ["Steph"], "Valentina": ["Vale"], "Fernanda": ["Fer"], "Mariana": ["Mari"],
}  # fmt: skip

# Twins are often given related names: the trap for a matcher that trusts nicknames or typos.
RELATED_TWIN_NAMES = [("Emma", "Emily"), ("Ella", "Emma"), ("Daniel", "Daniela"), ("Gabriel", "Gabriela"),
                      ("Julian", "Juliana"), ("Antonio", "Antonia"), ("Christian", "Christina"), ("Ava", "Eva"),
                      ("Mia", "Maya"), ("Madison", "Mason"), ("Aiden", "Jaden"), ("Elizabeth", "Eliza"),
                      ("Olivia", "Sophia"), ("Jacob", "Joshua"), ("Mary-Kate", "Ashley"), ("Robert", "Roberta"),
                      ("Alexander", "Alexandra"), ("Francis", "Frances"), ("Liam", "Lily"), ("Noah", "Nora")]  # fmt: skip
FEMININE = {b for _, b in RELATED_TWIN_NAMES} | set(FEMALE)

KEYBOARD = {c: n for c, n in zip("qwertyuiopasdfghjklzxcvbnm", [
    "wa", "qes", "wrd", "etf", "ryg", "tuh", "yij", "uok", "ipl", "ol", "qsz", "awdx", "sefc", "drgv", "fthb",
    "gyjn", "hukm", "jilm", "kop", "asx", "zsdc", "xdfv", "cfgb", "vghn", "bhjm", "njk"], strict=True)}  # fmt: skip
PHONETIC = [("ph", "f"), ("f", "ph"), ("c", "k"), ("k", "c"), ("y", "i"), ("i", "y"), ("ie", "y"), ("ey", "y"),
            ("ck", "k"), ("s", "z"), ("z", "s"), ("th", "t"), ("ou", "u"), ("ei", "ie")]  # fmt: skip
TODAY = date(2025, 6, 30)
POSTCODES = [f"97{n:03d}" for n in range(2, 80, 2)]
EMAIL_DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "comcast.net", "aol.com"]


def zipf_weights(n: int, s: float = 0.9, offset: float = 8.0) -> list[float]:
    return [1.0 / (i + offset) ** s for i in range(n)]


@dataclass
class Member:
    first: str
    last: str
    birthdate: date
    phone: str | None
    email: str | None
    postcode: str
    household: int
    role: str  # guarantor, spouse, child
    preferred: str | None = None
    previous_last: str | None = None  # maiden name
    twin_of: int | None = None  # member index of the twin
    chart_ids: list[str] = field(default_factory=list)


@dataclass
class Unlinked:
    person: Person
    truth: frozenset[str]  # chart ids of this person (empty: no chart)
    household: int
    twin_charts: frozenset[str]  # charts of this person's twin
    kind: str


class Generator:
    def __init__(self, seed: int, noise: str) -> None:
        self.rng = random.Random(seed)
        self.k = 1.0 if noise == "low" else 2.5
        self.female_w = zipf_weights(len(FEMALE))
        self.male_w = zipf_weights(len(MALE))
        self.last_w = zipf_weights(len(LAST), 0.8, 5.0)
        self.female, self.male, self.lasts = FEMALE[:], MALE[:], LAST[:]
        for names in (self.female, self.male, self.lasts):
            self.rng.shuffle(names)  # popularity differs from seed to seed
        self.members: list[Member] = []
        self.used_phones: set[str] = set()

    # --- people ----------------------------------------------------------------------------
    def first_name(self, female: bool) -> str:
        names, weights = (self.female, self.female_w) if female else (self.male, self.male_w)
        return self.rng.choices(names, weights)[0]

    def last_name(self) -> str:
        return self.rng.choices(self.lasts, self.last_w)[0]

    def phone(self) -> str:
        while True:
            number = (
                f"{self.rng.choice([503, 971, 360, 541, 206, 425])}{self.rng.randint(200, 999)}{self.rng.randint(0, 9999):04d}"
            )
            if number not in self.used_phones:
                self.used_phones.add(number)
                fmt = self.rng.choice(["({a}) {b}-{c}", "{a}-{b}-{c}", "+1{a}{b}{c}", "{a}.{b}.{c}", "{a}{b}{c}"])
                return fmt.format(a=number[:3], b=number[3:6], c=number[6:])

    def email(self, first: str, last: str) -> str:
        rng = self.rng
        local = rng.choice(
            [f"{first}.{last}", f"{first[0]}{last}", f"{first}{rng.randint(1, 99)}", f"{last}{first[:1]}{rng.randint(1, 999)}"]
        )
        local = "".join(ch for ch in local.lower() if ch.isalnum() or ch == ".")
        return f"{local}{rng.randint(0, 9999)}@{rng.choice(EMAIL_DOMAINS)}"

    def adult_birthdate(self) -> date:
        return date(1940, 1, 1) + timedelta(days=self.rng.randint(0, 365 * 62))

    def household(self, hid: int) -> list[Member]:
        rng = self.rng
        last = self.last_name()
        postcode = rng.choice(POSTCODES) if rng.random() < 0.9 else f"{rng.randint(10000, 99999)}"
        g_female = rng.random() < 0.5
        g_first = self.first_name(g_female)
        g_phone = self.phone() if rng.random() < 0.9 else None
        g_email = self.email(g_first, last) if rng.random() < 0.75 else None
        g_bd = self.adult_birthdate()
        out = [Member(g_first, last, g_bd, g_phone, g_email, postcode, hid, "guarantor")]
        shape = rng.random()
        if shape < 0.6:  # a spouse
            s_female = not g_female if rng.random() < 0.95 else g_female
            s_first = self.first_name(s_female)
            maiden = None
            s_last = last
            if rng.random() < 0.3:
                s_last = self.last_name()  # kept their own name
            elif s_female and rng.random() < 0.8:
                maiden = self.last_name()
            s_bd = g_bd + timedelta(days=rng.randint(-3000, 3000))
            s_phone = self.phone() if rng.random() < 0.8 else g_phone
            s_email = self.email(s_first, s_last) if rng.random() < 0.6 else g_email
            out.append(Member(s_first, s_last, s_bd, s_phone, s_email, postcode, hid, "spouse", previous_last=maiden))
        youngest_parent = max(m.birthdate for m in out)
        room = (TODAY - youngest_parent).days
        if rng.random() < 0.5 and room > 365 * 18:  # children
            for _ in range(rng.choice([1, 1, 2, 2, 2, 3, 3, 4])):
                female = rng.random() < 0.5
                bd = youngest_parent + timedelta(days=rng.randint(365 * 18, min(365 * 42, room)))
                if g_first and not g_female and not female and rng.random() < 0.03:
                    first = g_first  # a junior: same name as the parent, same phone and email
                else:
                    first = self.first_name(female)
                own_phone = self.phone() if (TODAY - bd).days > 365 * 14 and rng.random() < 0.4 else None
                child = Member(first, last, bd, own_phone or g_phone, g_email, postcode, hid, "child")
                out.append(child)
                if rng.random() < 0.035:  # twins: same birthdate, last name, phone, email, postcode
                    if rng.random() < 0.5:
                        a, b = rng.choice(RELATED_TWIN_NAMES)
                        child.first, twin_first = (a, b) if rng.random() < 0.5 else (b, a)
                    else:
                        twin_first = self.first_name(rng.random() < 0.5)
                        while twin_first == child.first:
                            twin_first = self.first_name(rng.random() < 0.5)
                    twin = Member(twin_first, last, bd, child.phone, g_email, postcode, hid, "child")
                    out.append(twin)
                    child.twin_of, twin.twin_of = len(out) - 1, len(out) - 2  # indexes inside the household
        for m in out:
            nicks = NICKNAMES.get(m.first)
            if nicks and rng.random() < 0.15:
                m.preferred = rng.choice(nicks)
        return out

    # --- noise -----------------------------------------------------------------------------
    def typo(self, name: str) -> str:
        rng = self.rng
        if len(name) < 3:
            return name + rng.choice("aeiou")
        i = rng.randrange(1, len(name))
        op = rng.random()
        low = name.lower()
        if op < 0.25:  # keyboard neighbour
            ch = low[i]
            repl = rng.choice(KEYBOARD.get(ch, "aeiou"))
            out = name[:i] + repl + name[i + 1 :]
        elif op < 0.45:  # dropped letter
            out = name[:i] + name[i + 1 :]
        elif op < 0.6:  # doubled letter
            out = name[:i] + name[i] + name[i:]
        elif op < 0.75 and i < len(name) - 1:  # transposition
            out = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        else:  # a phonetic spelling
            for a, b in rng.sample(PHONETIC, len(PHONETIC)):
                if a in low[1:]:
                    j = low.index(a, 1)
                    out = name[:j] + b + name[j + len(a) :]
                    break
            else:
                out = name[:i] + rng.choice("aeiou") + name[i + 1 :]
        return out

    def birthdate_typo(self, d: date) -> date:
        rng = self.rng
        for _ in range(20):
            text = list(d.strftime("%Y%m%d"))
            i = rng.choice([2, 3, 3, 4, 5, 6, 7, 7])
            if rng.random() < 0.7:
                text[i] = str(rng.randint(0, 9))
            elif i < 7:
                text[i], text[i + 1] = text[i + 1], text[i]
            try:
                out = date(int("".join(text[:4])), int("".join(text[4:6])), int("".join(text[6:])))
            except ValueError:
                continue
            if out != d:
                return out
        return d + timedelta(days=1)

    def derive(self, m: Member) -> Person:
        """What the front desk types for this member, with noise."""
        rng, k = self.rng, self.k
        first, last, bd, phone, email = m.first, m.last, m.birthdate, m.phone, m.email
        roll = rng.random()
        if roll < 0.03 * k:
            first = self.typo(first)
        elif roll < 0.04 * k:
            first = first[0] + "."
        elif NICKNAMES.get(first) and roll < 0.04 * k + 0.15 * k:  # a nickname, for names that have one
            first = m.preferred if (m.preferred and rng.random() < 0.5) else rng.choice(NICKNAMES[first])
        if rng.random() < 0.03 * k:
            last = self.typo(last)
        elif (" " in last or "-" in last) and rng.random() < 0.3:
            parts = last.replace("-", " ").split()
            last = rng.choice([rng.choice(parts), " ".join(parts), "".join(parts), "-".join(parts)])
        roll = rng.random()
        if roll < 0.02 * k and bd.day <= 12 and bd.day != bd.month:
            bd = date(bd.year, bd.day, bd.month)
        elif roll < 0.04 * k:
            bd = self.birthdate_typo(bd)
        elif roll < 0.045 * k:
            bd = None
        elif roll < 0.05 * k:
            bd = self.adult_birthdate()  # simply wrong
        contact = rng.random()
        if contact < 0.25:  # name + birthdate only
            phone = email = None
        elif contact < 0.5:
            email = None
        elif contact < 0.65:
            phone = None
        if phone and rng.random() < 0.1 * k:
            phone = self.phone()  # a new number
        if email and rng.random() < 0.1 * k:
            email = self.email(first, last)
        if rng.random() < 0.01 * k:
            first, last = last, first
        postcode = m.postcode if rng.random() < 0.5 else None
        if postcode and rng.random() < 0.1 * k:
            postcode = rng.choice(POSTCODES)
        if rng.random() < 0.3:
            first, last = first.upper(), last.upper()
        return Person(first, last, bd, phone, email, postcode, previous_last_names=())


def build(charts_wanted: int, people_wanted: int, seed: int, noise: str) -> tuple[list[ChartRecord], list[Unlinked]]:
    gen = Generator(seed, noise)
    rng = gen.rng
    charts: list[ChartRecord] = []
    charted: list[Member] = []
    kept_back: list[tuple[Member, list[Member]]] = []
    households: dict[int, list[Member]] = {}
    hid = 0
    while len(charts) < charts_wanted:
        hid += 1
        members = gen.household(hid)
        households[hid] = members
        for m in members:
            keep_back = rng.random() < 0.04 or (m.twin_of is not None and rng.random() < 0.25)
            if keep_back:
                kept_back.append((m, members))
                continue
            married_chart = m.previous_last and rng.random() < 0.35  # the chart still has the maiden name
            last = m.previous_last if married_chart else m.last
            previous = (
                (m.last,)
                if married_chart and rng.random() < 0.1
                else ((m.previous_last,) if m.previous_last and rng.random() < 0.3 else ())
            )
            cid = str(len(charts) + 1)
            charts.append(ChartRecord(cid, m.first, last, m.birthdate, m.phone, m.email, m.postcode, m.preferred,
                                      previous_last_names=previous, family_id=f"F{hid}"))  # fmt: skip
            m.chart_ids.append(cid)
            charted.append(m)
            if rng.random() < 0.01:  # a duplicate chart of the same person, made years later
                dup = gen.derive(m)
                cid2 = str(len(charts) + 1)
                charts.append(ChartRecord(cid2, dup.first_name, dup.last_name, m.birthdate, dup.phone, dup.email, m.postcode,
                                          family_id=f"F{hid}"))  # fmt: skip
                m.chart_ids.append(cid2)
    people: list[Unlinked] = []
    n_match = int(people_wanted * 0.7)
    n_family = min(int(people_wanted * 0.12), len(kept_back))
    n_stranger = people_wanted - n_match - n_family

    def twin_charts(m: Member) -> frozenset[str]:
        if m.twin_of is None:
            return frozenset()
        return frozenset(households[m.household][m.twin_of].chart_ids)

    for m in rng.sample(charted, n_match):
        person = gen.derive(m)
        if m.previous_last:
            # Married-name change: the person may give the name the chart does not have.
            chart_last = charts[int(m.chart_ids[0]) - 1].last_name
            other = m.last if chart_last == m.previous_last else m.previous_last
            if rng.random() < 0.3:
                person = replace(person, last_name=other, previous_last_names=(chart_last,) if rng.random() < 0.3 else ())
        people.append(Unlinked(person, frozenset(m.chart_ids), m.household, twin_charts(m), "match"))
    # Family members with no chart: twins, siblings, spouses, juniors, who share phone, email and postcode.
    family_pool = kept_back[:]
    rng.shuffle(family_pool)
    twins_first = sorted(family_pool, key=lambda t: t[0].twin_of is None)
    for m, _members in twins_first[:n_family]:
        person = gen.derive(m)
        people.append(Unlinked(person, frozenset(), m.household, twin_charts(m), "twin" if m.twin_of is not None else "family"))
    for _ in range(n_stranger):
        m = gen.household(-1)[0]
        people.append(Unlinked(gen.derive(m), frozenset(), -1, frozenset(), "stranger"))
    rng.shuffle(people)
    return charts, people


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--charts", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--noise", choices=["low", "high"], default="low")
    parser.add_argument("--latency-sample", type=int, default=1000)
    parser.add_argument("--brute-sample", type=int, default=20)
    args = parser.parse_args()

    t0 = time.perf_counter()
    charts, people = build(args.charts, args.people, args.seed, args.noise)
    t1 = time.perf_counter()
    index = CandidateIndex(charts)
    t2 = time.perf_counter()
    chart_family = {c.id: c.family_id for c in charts}
    print(f"generated {len(charts):,} charts and {len(people):,} people in {t1 - t0:.1f} s "
          f"(seed {args.seed}, noise {args.noise}); index built in {t2 - t1:.1f} s")  # fmt: skip
    print("people:", dict(Counter(u.kind for u in people)))

    # The nightly auto-link: every person, one after the other.
    results = []
    start = time.perf_counter()
    for u in people:
        results.append(match(u.person, index, limit=5))
    link_time = time.perf_counter() - start

    auto = correct = 0
    wrong_family = wrong_twin = wrong_other = identical = 0
    with_chart = covered = nb_only = nb_only_covered = top5 = 0
    kinds: Counter[tuple[str, str]] = Counter()
    wrong_examples = []
    for u, r in zip(people, results, strict=True):
        d = r.decision
        kinds[(u.kind, d.kind.value)] += 1
        name_birthdate_only = u.person.phone is None and u.person.email is None and u.person.birthdate is not None
        if u.truth:
            with_chart += 1
            top5 += any(c.chart_id in u.truth for c in r.candidates)
            nb_only += name_birthdate_only
        if d.kind is not DecisionKind.AUTO_LINK:
            continue
        auto += 1
        chosen = d.candidate.chart_id
        if chosen in u.truth:
            correct += 1
            covered += 1
            nb_only_covered += name_birthdate_only
            continue
        wrong_twin += chosen in u.twin_charts
        if chart_family.get(chosen) == f"F{u.household}":
            wrong_family += 1
        else:
            wrong_other += 1
        cmp = d.candidate.comparison
        # The noise turned the record into the linked chart's name and birthdate (a twin "Juliana" typed as
        # "Julian", her brother's name): nothing in the data can tell them apart.
        identical += cmp.first_name is Level.EXACT and cmp.last_name is Level.EXACT and cmp.birthdate is Level.EXACT
        wrong_examples.append((u, d))

    # Ranking latency with the index, one person at a time.
    sample = random.Random(args.seed + 1).sample(people, min(args.latency_sample, len(people)))
    latencies = []
    for u in sample:
        s = time.perf_counter()
        rank(u.person, index, 5)
        latencies.append((time.perf_counter() - s) * 1000)
    # Baseline: score every chart (same scoring, no blocking).
    brute = []
    for u in sample[: args.brute_sample]:
        s = time.perf_counter()
        index.rank(u.person, 5, exhaustive=True)
        brute.append((time.perf_counter() - s) * 1000)

    def pct(a: int, b: int) -> str:
        return f"{100 * a / b:.2f}% ({a:,}/{b:,})" if b else "n/a"

    print()
    print(f"auto-link precision                      {pct(correct, auto)}")
    print(
        f"wrong auto-links inside a family         {wrong_family} (between twins: {wrong_twin}); outside families: {wrong_other}"
    )
    print(f"  of the wrong ones, typed identically   {identical} (same first name, last name and birthdate as the chart)")
    print(f"auto-link coverage, name+birthdate only  {pct(nb_only_covered, nb_only)}")
    print(f"auto-link coverage, all with a chart     {pct(covered, with_chart)}")
    print(f"true chart in the top 5                  {pct(top5, with_chart)}")
    p50, p95 = statistics.median(latencies), percentile(latencies, 95)
    where = f"({len(latencies)} people, {len(charts):,} charts)"
    print(f"ranking latency with the index           p50 {p50:.2f} ms, p95 {p95:.2f} ms {where}")
    print(f"auto-link (match) of {len(people):,} people       {link_time:.1f} s ({1000 * link_time / len(people):.2f} ms each)")
    brute95 = percentile(brute, 95)
    ratio = f"= {brute95 / p95:.0f}x the indexed p95"
    print(f"brute force (every chart scored)         p95 {brute95:.0f} ms over {len(brute)} people {ratio}")
    print()
    print("decisions by kind of person:")
    for kind in ("match", "twin", "family", "stranger"):
        row = {dk: kinds[(kind, dk)] for dk in ("auto_link", "review", "new")}
        print(f"  {kind:9s} {row}")
    for u, d in wrong_examples[:8]:
        c = d.candidate.chart
        print(f"  wrong: {u.kind} {u.person.first_name} {u.person.last_name} {u.person.birthdate} -> chart {c.id} "
              f"{c.first_name} {c.last_name} {c.birthdate} {d.candidate.labels}")  # fmt: skip


if __name__ == "__main__":
    main()
