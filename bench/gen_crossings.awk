# Writes N realistic crossings as JSON Lines for `borderlog-checkpoint import`: the fields of the
# contract's crossing minus id, device_id and seq (which the checkpoint assigns). Each traveller holds a
# TD3 passport whose MRZ agrees with the typed fields and carries right check digits, so the server
# runs its whole validation path. Needs only POSIX awk (mawk, as in Debian's base system, is fine).
#
#   awk -v n=5000 -v checkpoint=CP01 -v day=2026-11-26 -v seed=7 -f bench/gen_crossings.awk > FILE
#
# occurred_at times are spread over `day` (UTC) in order, as a day's backlog would be.
function pick(list,    parts, k) {
    k = split(list, parts, " ")
    return parts[int(rand() * k) + 1]
}
function rint(lo, hi) { return lo + int(rand() * (hi - lo + 1)) }
function two(v) { return sprintf("%02d", v) }
# ICAO 9303 check digit: weights 7, 3, 1; '<' counts 0, digits their value, A-Z 10-35.
function check_digit(s,    i, c, v, sum, w) {
    sum = 0
    for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        v = index("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", c)
        v = v > 0 ? v - 1 : 0
        w = (i - 1) % 3 == 0 ? 7 : ((i - 1) % 3 == 1 ? 3 : 1)
        sum += v * w
    }
    return sum % 10
}
function pad(s, len) {
    while (length(s) < len) s = s "<"
    return substr(s, 1, len)
}
BEGIN {
    if (n == "") n = 5000
    if (checkpoint == "") { print "gen_crossings.awk: give -v checkpoint=ID" > "/dev/stderr"; exit 2 }
    if (day == "") day = "2026-01-01"
    srand(seed == "" ? 1 : seed)
    countries = "ALB GRC ITA DEU FRA GBR USA TUR SRB MKD"
    surnames = "HOXHA PAPADOPOULOS ROSSI MUELLER MARTIN SMITH JOHNSON YILMAZ JOVANOVIC STOJANOVSKI KOLA BERISHA"
    givens = "ANNA_MARIA ARBEN ELENI MARCO JONAS CLAIRE OLIVER EMMA MEHMET MILAN ELIRA DRITON_KASTRIOT"
    modes = "car car car bus truck foot"
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for (i = 1; i <= n; i++) {
        country = pick(countries)
        nationality = rand() < 0.8 ? country : pick(countries)
        surname = pick(surnames)
        given = pick(givens); gsub(/_/, " ", given)
        sex = rand() < 0.5 ? "F" : "M"
        number = substr(letters, rint(1, 26), 1) substr(letters, rint(1, 26), 1) sprintf("%07d", rint(0, 9999999))
        by = rint(1950, 2005); bm = rint(1, 12); bd = rint(1, 28)
        ey = rint(2027, 2036); em = rint(1, 12); ed = rint(1, 28)
        mode = pick(modes)

        line1 = "P<" country surname "<<" given
        gsub(/ /, "<", line1)
        line1 = pad(line1, 44)
        birth = two(by % 100) two(bm) two(bd)
        expiry = two(ey % 100) two(em) two(ed)
        personal = "<<<<<<<<<<<<<<"
        line2 = number check_digit(number) nationality birth check_digit(birth) sex expiry check_digit(expiry) \
                personal check_digit(personal)
        line2 = line2 check_digit(substr(line2, 1, 10) substr(line2, 14, 7) substr(line2, 22, 22))

        # The day's seconds, in order, with milliseconds.
        t = int((i - 1) * 86400 / n) + int(rand() * (86400 / n))
        if (t > 86399) t = 86399
        at = day "T" two(int(t / 3600)) ":" two(int(t % 3600 / 60)) ":" two(t % 60) "." sprintf("%03d", rint(0, 999)) "Z"

        transport = "{\"mode\":\"" mode "\""
        if (mode != "foot")
            transport = transport ",\"vehicle_plate\":\"" substr(letters, rint(1, 26), 1) substr(letters, rint(1, 26), 1) \
                        sprintf("%03d", rint(0, 999)) substr(letters, rint(1, 26), 1) substr(letters, rint(1, 26), 1) "\""
        transport = transport "}"

        printf "{\"checkpoint_id\":\"%s\",\"lane\":\"%d\",\"direction\":\"%s\",\"occurred_at\":\"%s\",", \
               checkpoint, rint(1, 8), (rand() < 0.5 ? "entry" : "exit"), at
        printf "\"officer_id\":\"officer-%d\",", rint(100, 199)
        printf "\"traveler\":{\"document_type\":\"P\",\"document_number\":\"%s\",\"issuing_country\":\"%s\",", number, country
        printf "\"nationality\":\"%s\",\"surname\":\"%s\",\"given_names\":\"%s\",\"birth_date\":\"%d-%s-%s\",", \
               nationality, surname, given, by, two(bm), two(bd)
        printf "\"sex\":\"%s\",\"expiry_date\":\"%d-%s-%s\"},", sex, ey, two(em), two(ed)
        printf "\"mrz\":\"%s\\n%s\",\"transport\":%s}\n", line1, line2, transport
    }
}
