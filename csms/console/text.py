"""The console's words, Japanese first (the operators' language), English selectable."""

from __future__ import annotations

from typing import Final

WORDS: Final[dict[str, tuple[str, str]]] = {  # key: (ja, en)
    "title": ("充電管理コンソール", "Charging console"),
    "login": ("ログイン", "Log in"),
    "logout": ("ログアウト", "Log out"),
    "api_key": ("APIキー", "API key"),
    "bad_login": ("APIキーが正しくありません", "That API key is not valid"),
    "overview": ("稼働状況", "Overview"),
    "sessions": ("充電セッション", "Sessions"),
    "station": ("充電器", "Station"),
    "stations": ("充電器一覧", "Stations"),
    "connector": ("コネクタ", "Connector"),
    "status": ("状態", "Status"),
    "connected": ("接続", "Connected"),
    "yes": ("あり", "yes"),
    "no": ("なし", "no"),
    "vendor": ("メーカー", "Vendor"),
    "model": ("型式", "Model"),
    "firmware": ("ファームウェア", "Firmware"),
    "version": ("OCPP", "OCPP"),
    "commands": ("操作", "Commands"),
    "answer": ("充電器の応答", "The station's answer"),
    "reset_soft": ("再起動（ソフト）", "Reset (soft)"),
    "reset_hard": ("再起動（ハード）", "Reset (hard)"),
    "clear_cache": ("認証キャッシュ消去", "Clear cache"),
    "unlock": ("コネクタ解錠", "Unlock connector"),
    "trigger_status": ("状態通知を要求", "Trigger status"),
    "operative": ("利用可能にする", "Make operative"),
    "inoperative": ("利用停止にする", "Make inoperative"),
    "filter": ("絞り込み", "Filter"),
    "all": ("すべて", "all"),
    "started": ("開始", "Started"),
    "stopped": ("終了", "Stopped"),
    "energy": ("電力量", "Energy"),
    "card": ("カード", "Card"),
    "state": ("状態", "State"),
    "total": ("合計（税込）", "Total (tax incl.)"),
    "tax": ("うち消費税", "of which tax"),
    "statement": ("明細", "Statement"),
    "line": ("項目", "Item"),
    "quantity": ("数量", "Quantity"),
    "unit_price": ("単価", "Unit price"),
    "amount": ("金額", "Amount"),
    "chart": ("電力と電力量", "Power and energy"),
    "power_kw": ("電力 kW", "Power kW"),
    "energy_kwh": ("電力量 kWh", "Energy kWh"),
    "no_samples": ("計測値はまだありません", "No meter values yet"),
    "close_session": ("停止したセッションを終了する", "Close the stuck session"),
    "reason": ("理由", "Reason"),
    "closed": ("終了しました", "Closed"),
    "verification": ("計量の検証", "Meter verification"),
    "signed_records": ("署名付き計量データ", "Signed meter records"),
    "unpriced": ("料金未確定", "unpriced"),
    "next_page": ("次へ", "Next"),
    "not_found": ("見つかりません", "Not found"),
    "language": ("English", "日本語"),
    "live": ("自動更新中", "live"),
    "qr_code": ("スタンド銘板のQRコード", "QR code for a stand plate"),
    "stand": ("スタンドID", "Stand id"),
}


def words(language: str) -> dict[str, str]:
    """The words in ``language`` (``ja`` or ``en``)."""
    index = 1 if language == "en" else 0
    return {key: pair[index] for key, pair in WORDS.items()}
