from sqlmodel import Session, select

from app.domain.errors import UserError
from app.i18n import gettext as _
from app.models import Role, StaffAccount
from app.security import burn_password_check, hash_password, verify_password

MIN_PASSWORD_LENGTH = 10


def normalize_email(email: str) -> str:
    return email.strip().lower()


def create_account(
    session: Session,
    *,
    email: str,
    password: str,
    role: Role,
    display_name: str,
    city_id: int | None = None,
) -> StaffAccount:
    account = StaffAccount(
        email=normalize_email(email),
        display_name=display_name.strip() or normalize_email(email),
        password_hash=hash_password(password),
        role=role,
        city_id=city_id,
    )
    session.add(account)
    session.flush()
    return account


def find_by_email(session: Session, email: str) -> StaffAccount | None:
    return session.exec(
        select(StaffAccount).where(StaffAccount.email == normalize_email(email))
    ).first()


def authenticate(session: Session, email: str, password: str) -> StaffAccount | None:
    account = find_by_email(session, email)
    if account is None:
        burn_password_check(password)
        return None
    if not verify_password(account.password_hash, password) or not account.is_active:
        return None
    return account


def change_password(
    session: Session, account: StaffAccount, *, current: str, new: str, confirm: str
) -> None:
    if not verify_password(account.password_hash, current):
        raise UserError(_("Your current password is not correct."), status_code=422)
    if len(new) < MIN_PASSWORD_LENGTH:
        raise UserError(
            _("The new password must be at least %(num)d characters long.")
            % {"num": MIN_PASSWORD_LENGTH},
            status_code=422,
        )
    if new != confirm:
        raise UserError(_("The two new passwords are not the same."), status_code=422)
    account.password_hash = hash_password(new)
    session.add(account)
    session.flush()
