"""The default instrument universe: about 50 liquid US stocks and ETFs with their statics.

Prices are plausible levels at the anchor date (the price process walks from there), `vol` is
the annualised volatility and `adv` the average daily volume in shares. conIds are IB's for the
best-known names and stable made-up ids for the rest; a symbol outside this table (from
`WorldSettings.symbols`) gets a deterministic profile of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from apex_tui.sim.seeding import stable_seed


@dataclass(frozen=True, slots=True)
class Profile:
    """Static description of one underlying: identity, classification and price dynamics."""

    symbol: str
    con_id: int
    exchange: str
    long_name: str
    industry: str
    category: str
    subcategory: str
    price: float
    vol: float
    adv: float


INDUSTRIES = {
    "TEC": "Technology",
    "COM": "Communications",
    "CYC": "Consumer, Cyclical",
    "NCY": "Consumer, Non-cyclical",
    "FIN": "Financial",
    "ENE": "Energy",
    "IND": "Industrial",
    "FND": "Funds",
}

# symbol | conId (0 = derived) | exchange | name | industry code | category | subcategory |
# price | annual vol | average daily volume in millions of shares
_TABLE = """
AAPL|265598|NASDAQ|APPLE INC|TEC|Computers|Computers|270|0.27|50
MSFT|272093|NASDAQ|MICROSOFT CORP|TEC|Software|Applications Software|480|0.24|20
NVDA|4815747|NASDAQ|NVIDIA CORP|TEC|Semiconductors|Electronic Compo-Semicon|180|0.45|180
AMD|4391|NASDAQ|ADVANCED MICRO DEVICES|TEC|Semiconductors|Electronic Compo-Semicon|240|0.5|45
INTC|270639|NASDAQ|INTEL CORP|TEC|Semiconductors|Electronic Compo-Semicon|38|0.45|80
AVGO|0|NASDAQ|BROADCOM INC|TEC|Semiconductors|Electronic Compo-Semicon|340|0.4|25
ORCL|0|NYSE|ORACLE CORP|TEC|Software|Enterprise Software/Serv|220|0.38|20
CRM|0|NYSE|SALESFORCE INC|TEC|Software|Enterprise Software/Serv|240|0.32|8
ADBE|0|NASDAQ|ADOBE INC|TEC|Software|Applications Software|330|0.32|4
CSCO|0|NASDAQ|CISCO SYSTEMS INC|COM|Telecommunications|Networking Products|75|0.22|20
IBM|8314|NYSE|INTL BUSINESS MACHINES CORP|TEC|Computers|Computer Services|300|0.25|5
QCOM|0|NASDAQ|QUALCOMM INC|TEC|Semiconductors|Electronic Compo-Semicon|170|0.33|8
TXN|0|NASDAQ|TEXAS INSTRUMENTS INC|TEC|Semiconductors|Electronic Compo-Semicon|160|0.28|6
MU|0|NASDAQ|MICRON TECHNOLOGY INC|TEC|Semiconductors|Electronic Compo-Semicon|220|0.5|25
GOOGL|208813719|NASDAQ|ALPHABET INC-CL A|COM|Internet|Web Portals/ISP|290|0.3|35
META|107113386|NASDAQ|META PLATFORMS INC-CLASS A|COM|Internet|Internet Content-Entmnt|600|0.35|15
NFLX|15124833|NASDAQ|NETFLIX INC|COM|Internet|Internet Content-Entmnt|110|0.35|40
AMZN|3691937|NASDAQ|AMAZON.COM INC|COM|Internet|E-Commerce/Products|230|0.32|45
DIS|0|NYSE|WALT DISNEY CO/THE|COM|Media|Multimedia|110|0.25|9
T|0|NYSE|AT&T INC|COM|Telecommunications|Telephone-Integrated|25|0.2|35
VZ|0|NYSE|VERIZON COMMUNICATIONS INC|COM|Telecommunications|Telephone-Integrated|40|0.18|20
TSLA|76792991|NASDAQ|TESLA INC|CYC|Auto Manufacturers|Auto-Cars/Light Trucks|400|0.55|100
HD|0|NYSE|HOME DEPOT INC|CYC|Retail|Retail-Building Products|360|0.22|4
WMT|0|NASDAQ|WALMART INC|CYC|Retail|Retail-Discount|105|0.2|18
MCD|0|NYSE|MCDONALD'S CORP|CYC|Retail|Retail-Restaurants|300|0.17|3
NKE|0|NYSE|NIKE INC -CL B|CYC|Apparel|Athletic Footwear|63|0.35|12
SBUX|0|NASDAQ|STARBUCKS CORP|CYC|Retail|Retail-Restaurants|85|0.3|9
COST|0|NASDAQ|COSTCO WHOLESALE CORP|CYC|Retail|Retail-Discount|900|0.22|2
KO|0|NYSE|COCA-COLA CO/THE|NCY|Beverages|Beverages-Non-alcoholic|70|0.15|14
PEP|0|NASDAQ|PEPSICO INC|NCY|Beverages|Beverages-Non-alcoholic|150|0.18|6
PG|0|NYSE|PROCTER & GAMBLE CO/THE|NCY|Cosmetics/Personal Care|Cosmetics&Toiletries|148|0.16|7
JNJ|0|NYSE|JOHNSON & JOHNSON|NCY|Pharmaceuticals|Medical-Drugs|200|0.17|8
PFE|0|NYSE|PFIZER INC|NCY|Pharmaceuticals|Medical-Drugs|25|0.25|35
UNH|0|NYSE|UNITEDHEALTH GROUP INC|NCY|Healthcare-Services|Medical-HMO|320|0.35|8
MRK|0|NYSE|MERCK & CO. INC.|NCY|Pharmaceuticals|Medical-Drugs|95|0.24|12
ABBV|0|NYSE|ABBVIE INC|NCY|Pharmaceuticals|Medical-Drugs|230|0.24|6
LLY|0|NYSE|ELI LILLY & CO|NCY|Pharmaceuticals|Medical-Drugs|1000|0.3|4
JPM|1520593|NYSE|JPMORGAN CHASE & CO|FIN|Banks|Money Center Banks|310|0.24|9
BAC|10098|NYSE|BANK OF AMERICA CORP|FIN|Banks|Money Center Banks|53|0.27|38
WFC|0|NYSE|WELLS FARGO & CO|FIN|Banks|Super-Regional Banks-US|86|0.28|16
GS|0|NYSE|GOLDMAN SACHS GROUP INC|FIN|Banks|Finance-Invest Bnkr/Brkr|800|0.28|2
MS|0|NYSE|MORGAN STANLEY|FIN|Banks|Finance-Invest Bnkr/Brkr|165|0.28|6
V|0|NYSE|VISA INC-CLASS A SHARES|FIN|Diversified Finan Serv|Finance-Credit Card|330|0.2|7
MA|0|NYSE|MASTERCARD INC - A|FIN|Diversified Finan Serv|Finance-Credit Card|550|0.21|3
XOM|13977|NYSE|EXXON MOBIL CORP|ENE|Oil&Gas|Oil Comp-Integrated|117|0.22|15
CVX|0|NYSE|CHEVRON CORP|ENE|Oil&Gas|Oil Comp-Integrated|155|0.22|8
BA|0|NYSE|BOEING CO/THE|IND|Aerospace/Defense|Aerospace/Defense|190|0.35|8
CAT|0|NYSE|CATERPILLAR INC|IND|Machinery-Constr&Mining|Machinery-Constr&Mining|560|0.3|3
GE|0|NYSE|GE AEROSPACE|IND|Aerospace/Defense|Aerospace/Defense|300|0.3|5
SPY|756733|ARCA|SPDR S&P 500 ETF TRUST|FND|Equity Fund|Growth&Income-Large Cap|670|0.15|70
QQQ|320227571|NASDAQ|INVESCO QQQ TRUST SERIES 1|FND|Equity Fund|Growth-Large Cap|600|0.2|45
IWM|9579970|ARCA|ISHARES RUSSELL 2000 ETF|FND|Equity Fund|Growth-Small Cap|240|0.22|30
DIA|0|ARCA|SPDR DJIA TRUST|FND|Equity Fund|Growth&Income-Large Cap|470|0.15|4
GLD|0|ARCA|SPDR GOLD SHARES|FND|Commodity Fund|Precious Metals|380|0.16|10
TLT|0|NASDAQ|ISHARES 20+ YEAR TREASURY BD|FND|Debt Fund|Government-Long Term|90|0.14|35
XLF|0|ARCA|FINANCIAL SELECT SECTOR SPDR|FND|Equity Fund|Sector Fund-Financial|52|0.18|40
XLE|0|ARCA|ENERGY SELECT SECTOR SPDR|FND|Equity Fund|Sector Fund-Energy|90|0.22|15
EEM|0|ARCA|ISHARES MSCI EMERGING MARKETS|FND|Equity Fund|Emerging Markets|53|0.18|25"""


def _derived_con_id(symbol: str) -> int:
    # Below 2**30 so stock ids never meet the option id range (see options.py).
    return 600_000_000 + stable_seed("conid", symbol) % 300_000_000


def _profile(line: str) -> Profile:
    sym, con_id, exch, name, industry, category, sub, price, vol, adv = line.split("|")
    return Profile(
        symbol=sym,
        con_id=int(con_id) or _derived_con_id(sym),
        exchange=exch,
        long_name=name,
        industry=INDUSTRIES[industry],
        category=category,
        subcategory=sub,
        price=float(price),
        vol=float(vol),
        adv=float(adv) * 1_000_000,
    )


DEFAULT_PROFILES: dict[str, Profile] = {
    p.symbol: p for p in (_profile(line) for line in _TABLE.strip().splitlines())
}


def made_up_profile(symbol: str) -> Profile:
    """A deterministic, plausible profile for a symbol the default table does not know."""
    h = stable_seed("profile", symbol)
    return Profile(
        symbol=symbol,
        con_id=_derived_con_id(symbol),
        exchange="NASDAQ" if h % 2 else "NYSE",
        long_name=f"{symbol} INC",
        industry="Technology",
        category="Software",
        subcategory="Applications Software",
        price=round(20.0 + (h >> 8) % 28000 / 100.0, 2),
        vol=0.25 + (h >> 24) % 25 / 100.0,
        adv=float(2_000_000 + (h >> 32) % 20_000_000),
    )


def profiles_for(symbols: tuple[str, ...] | None) -> dict[str, Profile]:
    """The profiles of the configured universe, in order (default table when None)."""
    if symbols is None:
        return dict(DEFAULT_PROFILES)
    out: dict[str, Profile] = {}
    for raw in symbols:
        sym = raw.strip().upper()
        if sym and sym not in out:
            out[sym] = DEFAULT_PROFILES.get(sym) or made_up_profile(sym)
    return out
