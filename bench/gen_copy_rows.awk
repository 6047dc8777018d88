# Writes crossings as rows for `COPY crossings (COLUMNS) FROM STDIN` (text format), in the column order
# of bench/run.sh's COLUMNS_SQL, with `record` holding the contract's JSON of the same crossing: bulk
# data for the 10-million-row step, synthetic but shaped like a country's traffic. Needs only POSIX awk.
#
#   awk -v from=0 -v n=1000000 -v total=10000000 -v start=1767225600 -v span=31536000 -f bench/gen_copy_rows.awk
#
# Row r (from .. from+n-1 of `total`): occurred_at = start + r * span / total (seconds since the epoch,
# UTC), so the rows fill the span in order; device BIG-<r mod devices> with seq r div devices + 1 (gapless
# per device across chunks); checkpoint BIGCP-<device mod checkpoints>; the traveller is drawn from a
# pool of `travelers` documents (each document always the same person), so a document has several
# crossings, entries and exits. Ids are UUIDv7-shaped (the time in ms, then the row number): unique.
function two(v) { return sprintf("%02d", v) }
# Seconds since the epoch to YYYY-MM-DD HH:MM:SS (UTC), without strftime (not in POSIX awk).
function civil(t,    days, secs, z, era, doe, yoe, y, doy, mp, d, m) {
    days = int(t / 86400); secs = t - days * 86400
    z = days + 719468; era = int(z / 146097); doe = z - era * 146097
    yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
    y = yoe + era * 400; doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
    mp = int((5 * doy + 2) / 153); d = doy - int((153 * mp + 2) / 5) + 1
    m = mp < 10 ? mp + 3 : mp - 9
    if (m <= 2) y++
    return sprintf("%04d-%s-%s %s:%s:%s", y, two(m), two(d), two(int(secs / 3600)), two(int(secs % 3600 / 60)), two(secs % 60))
}
function hex(v, width,    s, k) {
    s = ""
    for (k = 0; k < width; k++) { s = substr("0123456789abcdef", v % 16 + 1, 1) s; v = int(v / 16) }
    return s
}
BEGIN {
    if (n == "" || total == "" || start == "" || span == "") {
        print "gen_copy_rows.awk: give -v from=R -v n=N -v total=T -v start=EPOCH -v span=SECONDS" > "/dev/stderr"; exit 2
    }
    if (from == "") from = 0
    if (devices == "") devices = 2000
    if (checkpoints == "") checkpoints = 500
    if (travelers == "") travelers = int(total / 4) + 1
    split("ALB GRC ITA DEU FRA GBR USA TUR SRB MKD", countries, " ")
    split("HOXHA PAPADOPOULOS ROSSI MUELLER MARTIN SMITH JOHNSON YILMAZ JOVANOVIC STOJANOVSKI KOLA BERISHA", surnames, " ")
    split("ANNA MARIA|ARBEN|ELENI|MARCO|JONAS|CLAIRE|OLIVER|EMMA|MEHMET|MILAN|ELIRA|DRITON KASTRIOT", givens, "|")
    split("car car car bus truck foot", modes, " ")
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    srand(from + 1)
    for (r = from; r < from + n; r++) {
        t = start + r * span / total
        ms = int(t * 1000)
        when = civil(int(t)) "." sprintf("%03d", ms % 1000)
        dev = r % devices
        device = sprintf("BIG-%04d", dev)
        seq = int(r / devices) + 1
        checkpoint = sprintf("BIGCP-%03d", dev % checkpoints)
        lane = dev % 8 + 1
        direction = rand() < 0.5 ? "entry" : "exit"
        officer = sprintf("officer-%d", 100 + dev % 97)
        id = hex(int(ms / 65536), 8) "-" hex(ms % 65536, 4) "-7" hex(int(r / 4294967296) % 4096, 3) "-8" \
             hex(int(r / 16777216) % 256, 3) "-" hex(r % 16777216, 6) hex(int(rand() * 16777216), 6)
        # The traveller: fixed by the document's number in the pool.
        p = int(rand() * travelers)
        country = countries[p % 10 + 1]
        nationality = (p % 5 == 0) ? countries[(p + 3) % 10 + 1] : country
        number = substr(letters, p % 26 + 1, 1) substr(letters, int(p / 26) % 26 + 1, 1) sprintf("%07d", p % 10000000)
        surname = surnames[int(p / 7) % 12 + 1]
        given = givens[int(p / 11) % 12 + 1]
        sex = p % 2 ? "F" : "M"
        birth = sprintf("%d-%s-%s", 1950 + p % 56, two(p % 12 + 1), two(p % 28 + 1))
        expiry = sprintf("%d-%s-%s", 2027 + p % 10, two((p + 5) % 12 + 1), two((p + 9) % 28 + 1))
        mode = modes[p % 6 + 1]
        plate = mode == "foot" ? "\\N" : sprintf("%s%s%03d%s%s", substr(letters, p % 26 + 1, 1), substr(letters, (p + 7) % 26 + 1, 1),
                                                 p % 1000, substr(letters, (p + 3) % 26 + 1, 1), substr(letters, (p + 1) % 26 + 1, 1))
        offline = rand() < 0.1 ? "true" : "false"
        transport = mode == "foot" ? "{\"mode\":\"foot\"}" : "{\"mode\":\"" mode "\",\"vehicle_plate\":\"" plate "\"}"
        iso = substr(when, 1, 10) "T" substr(when, 12) "Z"
        record = "{\"id\":\"" id "\",\"device_id\":\"" device "\",\"seq\":" seq ",\"checkpoint_id\":\"" checkpoint "\"," \
                 "\"lane\":\"" lane "\",\"direction\":\"" direction "\",\"occurred_at\":\"" iso "\",\"officer_id\":\"" officer "\"," \
                 "\"traveler\":{\"document_type\":\"P\",\"document_number\":\"" number "\",\"issuing_country\":\"" country "\"," \
                 "\"nationality\":\"" nationality "\",\"surname\":\"" surname "\",\"given_names\":\"" given "\"," \
                 "\"birth_date\":\"" birth "\",\"sex\":\"" sex "\",\"expiry_date\":\"" expiry "\"}," \
                 "\"transport\":" transport ",\"recorded_offline\":" offline "}"
        printf "%s\t%s\t%d\t%s\t%d\t%s\t%s+00\t%s\tP\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", \
               id, device, seq, checkpoint, lane, direction, when, officer, number, country, nationality, surname, given, \
               birth, sex, expiry, mode, plate, offline, record
    }
}
