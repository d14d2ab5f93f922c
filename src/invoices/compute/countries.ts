/**
 * Countries as ISO 3166-1 alpha-2 codes (upper case): the officially assigned codes plus XK
 * (Kosovo, user-assigned but used by the EU and banks). Withdrawn, reserved and region codes such
 * as UK, EU or EA are refused, so every stored country is one tax rules can reason about.
 */
const ASSIGNED = [
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ',
  'BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR',
  'CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR',
  'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU',
  'ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ',
  'LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ',
  'MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF',
  'PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI',
  'SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR',
  'TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW',
].join(' ');

const COUNTRIES: ReadonlySet<string> = new Set(ASSIGNED.split(' '));

/** The 27 member states of the European Union (VAT area as the invoice rules use it). */
export const EU_COUNTRIES: ReadonlySet<string> = new Set(
  'AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK'.split(' '),
);

export function isCountryCode(code: string): boolean {
  return COUNTRIES.has(code);
}

export function isEuCountry(code: string): boolean {
  return EU_COUNTRIES.has(code);
}

/** The prefix of a country's EU VAT identification number: the ISO code, except Greece's `EL`. */
export function euVatPrefix(country: string): string {
  return country === 'GR' ? 'EL' : country;
}

const displayNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

/** English name of a country, for documents. Frozen into tax snapshots, so ICU updates never change an issued invoice. */
export function countryName(code: string): string {
  return displayNames.of(code) ?? code;
}
