"""England and Wales bank holidays by the standing rules, used to seed the working-day calendar.

One-off holidays (a coronation, a jubilee) are added as Holiday rows by
Switching Operations; these rules only give the regular ones.
"""

from datetime import date, timedelta


def easter_sunday(year):
    """Return Easter Sunday (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year, month):
    d = date(year, month, 1)
    return d + timedelta(days=(7 - d.weekday()) % 7)


def _last_monday(year, month):
    d = date(year, month + 1, 1) - timedelta(days=1)
    return d - timedelta(days=d.weekday())


def england_and_wales(year):
    """Return [(date, name)] of the regular bank holidays in `year`, with substitute days."""
    new_year = date(year, 1, 1)
    while new_year.weekday() >= 5:
        new_year += timedelta(days=1)
    easter = easter_sunday(year)
    days = [
        (new_year, "New Year's Day" + (" (substitute day)" if new_year.day != 1 else "")),
        (easter - timedelta(days=2), "Good Friday"),
        (easter + timedelta(days=1), "Easter Monday"),
        (_first_monday(year, 5), "Early May bank holiday"),
        (_last_monday(year, 5), "Spring bank holiday"),
        (_last_monday(year, 8), "Summer bank holiday"),
    ]
    christmas, boxing = date(year, 12, 25), date(year, 12, 26)
    taken = set()
    for day, name in ((christmas, "Christmas Day"), (boxing, "Boxing Day")):
        actual = day
        while actual.weekday() >= 5 or actual in taken:
            actual += timedelta(days=1)
        taken.add(actual)
        days.append((actual, name + (" (substitute day)" if actual != day else "")))
    return days
